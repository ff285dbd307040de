"""The Prometheus round trip of ``--otel``: a real Locust run serves our metrics with the
OpenTelemetry Prometheus exporter (``OTEL_METRICS_EXPORTER=prometheus``), Debian's Prometheus
server scrapes it, and its HTTP API answers with series that agree with the run's own summary."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..support.locust_cluster import free_port
from ..support.paths import ROOT

PROMETHEUS = shutil.which("prometheus")
RUN_S = 4
AFTER_RUN_S = 4
"""Locust stays up this long after the run (``--autoquit``): the scrapes in it see the final values."""


@pytest.fixture
def prometheus(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """(API base URL, the port it scrapes): a Prometheus server scraping 127.0.0.1:PORT twice a second.
    Skipped without Debian's ``prometheus``, except in CI (CI=true), where .ci/run installs it."""
    if PROMETHEUS is None:
        message = "the Prometheus round trip needs a Prometheus server (apt-get install prometheus)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    target = free_port()
    config = tmp_path / "prometheus.yml"
    scrape = {"job_name": "locust", "static_configs": [{"targets": [f"127.0.0.1:{target}"]}]}
    settings = {"scrape_interval": "500ms", "scrape_timeout": "400ms"}
    config.write_text(json.dumps({"global": settings, "scrape_configs": [scrape]}))  # JSON is YAML
    port = free_port()
    log = (tmp_path / "prometheus.log").open("w")
    server = subprocess.Popen(
        [
            PROMETHEUS,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        # Ready, and scraping: its discovery hands the scrapers their targets some seconds after start.
        while not _scraping(base):
            assert server.poll() is None, (tmp_path / "prometheus.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "Prometheus not scraping in 30 s"
            time.sleep(0.2)
        yield base, target
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _scraping(base: str) -> bool:
    """Whether Prometheus has tried its target (which is down until Locust starts)."""
    try:
        with urllib.request.urlopen(f"{base}/api/v1/targets", timeout=1) as response:
            targets = json.load(response)["data"]["activeTargets"]
    except OSError:
        return False
    return any(not target["lastScrape"].startswith("0001-") for target in targets)  # Go's zero time


def query(base: str, promql: str) -> dict[tuple[tuple[str, str], ...], float]:
    """An instant query: each series' labels (without Prometheus's job/instance) -> its value."""
    url = f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
    with urllib.request.urlopen(url, timeout=5) as response:
        body = json.load(response)
    assert body["status"] == "success", body
    return {
        tuple(sorted((k, v) for k, v in item["metric"].items() if k not in ("job", "instance"))): float(
            item["value"][1]
        )
        for item in body["data"]["result"]
    }


def total(base: str, metric: str) -> float:
    """The last value Prometheus scraped of ``metric``, summed over its series; 0 when it has none."""
    return sum(query(base, f"sum(last_over_time({metric}[5m]))").values())


def test_a_run_scraped_by_prometheus_shows_the_summarys_numbers(prometheus, demo_url, tmp_path):
    base, target = prometheus
    environment = {
        **os.environ,
        "OTEL_METRICS_EXPORTER": "prometheus",
        "OTEL_TRACES_EXPORTER": "none",
        "OTEL_LOGS_EXPORTER": "none",
        "OTEL_EXPORTER_PROMETHEUS_HOST": "127.0.0.1",
        "OTEL_EXPORTER_PROMETHEUS_PORT": str(target),
    }
    summary_file = tmp_path / "ws.json"
    run = subprocess.run(
        [
            *(sys.executable, "-m", "locust", "-f", str(ROOT / "locustfiles" / "echo.py")),
            *("--host", demo_url, "--otel", "--autostart", "--autoquit", str(AFTER_RUN_S)),
            *("-u", "5", "-r", "5", "-t", f"{RUN_S}s", "--only-summary"),
            *("--web-host", "127.0.0.1", "--web-port", str(free_port())),
            *("--ws-json", str(summary_file)),
        ],
        capture_output=True,
        text=True,
        timeout=90,
        env=environment,
        cwd=ROOT,
        check=False,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-3000:]
    assert "Traceback" not in output
    assert f"Prometheus metrics on http://127.0.0.1:{target}/metrics" in output
    summary = json.loads(summary_file.read_text())
    metrics = summary["metrics"]
    echo = next(row for row in summary["latency"] if row["name"] == "echo" and row["kind"] == "request")
    assert metrics["messages_out"] > 10 and metrics["handshakes"] == 5

    assert total(base, "locust_ws_messages_sent_total") == metrics["messages_out"]
    assert total(base, "locust_ws_messages_received_total") == metrics["messages_in"]
    assert total(base, "locust_ws_payload_sent_bytes_total") == metrics["bytes_out"]
    assert total(base, "locust_ws_handshakes_total") == metrics["handshakes"]
    assert total(base, "locust_ws_handshake_failures_total") == 0
    durations = query(base, 'last_over_time(locust_ws_duration_milliseconds_count{kind="request"}[5m])')
    assert [value for labels, value in durations.items() if ("name", "echo") in labels] == [echo["count"]]
    # all five open while the run went on, none at its end
    assert sum(query(base, "max_over_time(locust_ws_connections_open[5m])").values()) == 5
    assert total(base, "locust_ws_connections_open") == 0
    closed = query(base, "last_over_time(locust_ws_connections_closed_total[5m])")
    by_code = {dict(labels)["close_code"]: value for labels, value in closed.items()}
    assert by_code == {code: float(count) for code, count in summary["close_codes"].items()}
