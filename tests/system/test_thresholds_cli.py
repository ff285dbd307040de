"""Thresholds and reports of real headless Locust runs against the auto-started demo server."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
from pathlib import Path

from ..support.paths import ROOT
from .test_locustfiles import run_locust

ECHO = ROOT / "locustfiles" / "echo.py"


def output_of(result: subprocess.CompletedProcess) -> str:
    return result.stdout + result.stderr


def test_passing_thresholds_exit_0_and_every_report_gets_the_websocket_numbers(tmp_path):
    result = run_locust(
        "echo.py",
        *("-u", "5", "-r", "5", "-t", "3s", "--only-summary"),
        *("--csv", str(tmp_path / "run"), "--html", str(tmp_path / "run.html")),
        *("--ws-json", str(tmp_path / "ws.json")),
        *("--ws-threshold", "connect:p95<5000ms", "--ws-threshold", "echo:p99<5s"),
        *("--ws-threshold", "handshake_failure_rate<1%", "--ws-threshold", "close_code_1006<1"),
    )
    output = output_of(result)
    assert result.returncode == 0, output
    assert "Traceback" not in output
    # The WebSocket table comes right under Locust's own tables, then the verdicts.
    assert output.index("Response time percentiles") < output.index("locust-ws: WebSocket metrics")
    assert "all 4 thresholds passed" in output
    summary = json.loads((tmp_path / "ws.json").read_text())
    echo = next(row for row in summary["latency"] if row["name"] == "echo")
    assert echo["count"] > 50 and 0 < echo["p50_ms"] < 5000
    assert summary["metrics"]["handshakes"] == 5 and summary["metrics"]["open_connections_peak"] == 5
    assert summary["close_codes"] == {"1000": 5}
    assert all(verdict["passed"] for verdict in summary["thresholds"])
    with (tmp_path / "run_ws.csv").open() as file:
        rows = {(row["Metric"], row["Name"]): row for row in csv.DictReader(file)}
    assert int(rows[("latency", "echo")]["Count"]) == echo["count"]
    assert rows[("close_code_1000", "")]["Value"] == "5"
    html = (tmp_path / "run.html").read_text()
    assert html.index('<div id="root">') < html.index('<section id="locust-ws">') < html.rindex("</body>")
    assert "connect:p95&lt;5000ms" in html and '<div id="locust-ws-charts">' in html


def test_a_failing_threshold_exits_with_the_threshold_exit_code():
    result = run_locust("echo.py", "-u", "2", "-r", "2", "-t", "2s", "--ws-threshold", "echo:p50<1us")
    output = output_of(result)
    assert result.returncode == 3, output
    assert "FAIL    echo:p50<1us" in output
    assert "1 of 1 thresholds failed: exit code 3" in output

    result = run_locust(
        "echo.py",
        *("-u", "2", "-r", "2", "-t", "2s"),
        *("--ws-threshold", "echo:p50<1us", "--ws-threshold-exit-code", "99"),
    )
    assert result.returncode == 99, output_of(result)


def test_invalid_threshold_is_rejected_before_any_load_is_sent():
    result = run_locust("echo.py", "-u", "2", "-r", "2", "-t", "2s", "--ws-threshold", "connect:p95<<500ms")
    output = output_of(result)
    assert result.returncode == 2, output
    assert "argument --ws-threshold: invalid threshold 'connect:p95<<500ms'" in output
    assert "Traceback" not in output
    assert "demo server" not in output and "Ramping" not in output


LOCUSTFILE_WITH_THRESHOLDS = """
from locust import constant_pacing, task

from locust_ws import WebSocketUser, add_thresholds

add_thresholds("echo:p50<1us")


class EchoUser(WebSocketUser):
    path = "/echo"
    wait_time = constant_pacing(0.05)

    @task
    def echo(self):
        self.client.request({"op": "echo"}, name="echo")
"""


def test_locustfile_thresholds_can_abort_the_run_early(tmp_path):
    locustfile = tmp_path / "thresholds_locustfile.py"
    locustfile.write_text(LOCUSTFILE_WITH_THRESHOLDS)
    started = time.monotonic()
    result = subprocess.run(
        [
            *(sys.executable, "-m", "locust", "-f", str(locustfile), "--headless"),
            *("-u", "2", "-r", "2", "-t", "60s"),
            *("--ws-threshold-abort", "--ws-threshold-abort-grace", "1"),
        ],
        capture_output=True,
        text=True,
        timeout=90,
        cwd=Path(ROOT),
        check=False,
    )
    output = output_of(result)
    assert result.returncode == 3, output
    assert time.monotonic() - started < 40  # the 60 s run was cut short
    assert "threshold failed, stopping the run: echo:p50<1us was" in output
    assert "aborted early: echo:p50<1us" in output
