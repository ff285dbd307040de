"""The "WebSockets" tab in Locust's web UI, checked in a real headless Chromium during a run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from locust_ws.demo import start_demo_process, stop_demo_process

from ..support.locust_cluster import free_port
from ..support.paths import ROOT
from ..support.web_ui import fetch, require_browser, web_ui_run

PROBE = ROOT / "tests" / "support" / "webui_probe.py"


def probe_tab(url: str, *args: str) -> dict:
    """What ``webui_probe.py`` saw in the tab: its rows, whether they were live, the tab titles."""
    probe = subprocess.run(
        [sys.executable, str(PROBE), url, *args], capture_output=True, text=True, timeout=150, check=False
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    return json.loads(probe.stdout)


DOCS_CHARTS = ("--charts-points", "15", "--timeout", "80") if os.environ.get("LOCUST_WS_DOCS") else ()
"""``LOCUST_WS_DOCS=1`` with the screenshot variables: pictures for docs/, with 30 s of charts."""


@pytest.mark.timeout(300)  # a 90 s cluster run plus Chromium: 120 s was too tight on a loaded CI machine
def test_the_tab_charts_each_workers_open_connections_in_headless_chromium(tmp_path):
    """A master and 2 workers: the open-connections chart has the cluster's line and one per
    worker, from the workers' reports, growing poll by poll."""
    require_browser()
    screenshot = os.environ.get("LOCUST_WS_CHARTS_SCREENSHOT") or str(tmp_path / "charts.png")
    port = free_port()
    master = ("--master", "--master-bind-host=127.0.0.1", f"--master-bind-port={port}", "--expect-workers=2")
    locustfile = ROOT / "locustfiles" / "echo.py"
    with web_ui_run(locustfile, (*master, "-u", "6", "-r", "6", "-t", "90s"), tmp_path) as url:
        worker = [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(locustfile),
            "--worker",
            "--master-port",
            str(port),
        ]
        workers = [
            subprocess.Popen(
                [*worker, "--master-host=127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
            )
            for _ in range(2)
        ]
        try:
            seen = probe_tab(url, "--charts", "--charts-screenshot", screenshot, *DOCS_CHARTS)
        finally:
            for process in workers:
                process.kill()
                process.wait()
    first, later = seen["charts"]
    assert later["Open connections"]["series"] == ["total", "worker 0", "worker 1"]
    assert first["Open connections"]["points"] < later["Open connections"]["points"]
    assert "Latency of request (ms)" in later
    assert Path(screenshot).stat().st_size > 10_000


def test_websockets_tab_shows_live_numbers_in_headless_chromium(tmp_path):
    require_browser()
    screenshot = os.environ.get("LOCUST_WS_SCREENSHOT")
    report_screenshot = os.environ.get("LOCUST_WS_REPORT_SCREENSHOT") or str(tmp_path / "report.png")
    with web_ui_run(ROOT / "locustfiles" / "echo.py", ("-u", "5", "-r", "5", "-t", "90s"), tmp_path) as url:
        seen = probe_tab(
            url,
            *("--charts", "--report", "--report-screenshot", report_screenshot),
            *(("--screenshot", screenshot, *DOCS_CHARTS) if screenshot else ()),
        )
        stats = json.loads(fetch(f"{url}/ws/stats"))
        report = fetch(f"{url}/stats/report")
        csv_text = fetch(f"{url}/ws/csv")
    assert "WEBSOCKETS" in [title.upper() for title in seen["tabs"]]
    rows = seen["rows"]
    assert seen["live"], rows
    assert rows["open connections"][0] == "5"
    assert float(rows["messages in /s"][0]) > 0
    p50 = float(rows["WS echo [request]"][2])
    assert 0 < p50 < 5000
    assert (rows["handshakes"][0], rows["handshake failure rate"][0]) == ("5", "0.00%")
    assert stats["metrics"]["open_connections"] == 5
    assert report.index('<div id="root">') < report.index('<section id="locust-ws">')
    assert csv_text.startswith("Metric,Type,Kind,Name,") and "\nlatency,WS,request,echo," in csv_text
    # the charts under the table: one per metric, drawn again with more samples at a later poll
    first, later = seen["charts"]
    titles = list(later)
    assert titles[:3] == ["Open connections", "Messages per second", "Bytes per second"]
    assert {"Latency of connect (ms)", "Latency of request (ms)"} <= set(titles[3:])  # and ping, later
    assert later["Latency of request (ms)"]["series"] == ["p50", "p99"]
    assert later["Messages per second"]["series"] == ["in", "out"]
    assert later["Open connections"]["series"] == ["total"]  # no workers in a single process
    assert 2 <= first["Open connections"]["points"] < later["Open connections"]["points"]
    assert stats["charts"]["open_connections"][-1] == 5
    # the report's section sits among Locust's own, styled as they are
    placed = seen["report"]
    assert placed["in_root"], placed
    headings = placed["sibling_headings"]
    assert headings.index("Charts") + 1 == headings.index("WebSockets") < headings.index("Final ratio")
    assert placed["heading_class"] == placed["locust_heading_class"]
    assert "MuiTable-root" in placed["table_class"]
    assert set(titles) <= set(placed["charts"])  # the report, read later, may chart a kind more
    assert Path(report_screenshot).stat().st_size > 10_000


BREAKPOINT_LOCUSTFILE = """
from locust import constant_pacing, task
from locust_ws import Breakpoint, WebSocketUser


class Echo(WebSocketUser):
    path = "/echo"
    tags = {"feed": "orders"}
    wait_time = constant_pacing(0.2)

    @task
    def echo(self):
        self.client.request({"op": "echo"}, name="echo")


class Find(Breakpoint):
    step = 4
    step_time = 3
    stop_when = ["handshake_failure_rate>1%"]
    then = "hold"
    hold_time = 120
"""


@pytest.fixture
def demo_at_capacity():
    process, url = start_demo_process(["--max-connections", "8"])
    yield url
    stop_demo_process(process)


def test_the_tab_shows_the_server_health_breakpoint_hosts_and_tag_rows_in_headless_chromium(
    demo_at_capacity, tmp_path
):
    """A breakpoint run holding at the last sustained step (a drop in users, so the leak verdict is
    judged) with the demo's /metrics scraped beside it and tagged users: every row the summary
    gained with issue 16 reaches the browser."""
    require_browser()
    locustfile = tmp_path / "breakpoint_locustfile.py"
    locustfile.write_text(BREAKPOINT_LOCUSTFILE)
    metrics_url = demo_at_capacity.replace("ws://", "http://") + "/metrics"
    args = (
        *("--host", demo_at_capacity, "--ws-server-metrics", metrics_url),
        *("--ws-server-scrape-interval", "1", "--ws-server-leak-settle", "3"),
    )
    with web_ui_run(locustfile, args, tmp_path) as url:
        seen = probe_tab(
            url,
            *("--timeout", "90", "--wait-for", "after ramp-down", "--wait-for", "Breakpoint: sustained"),
            *("--wait-for", "ran on", "--wait-for", "request{feed:orders}"),
        )
    names = list(seen["rows"])
    assert seen["live"], names

    def row(text: str) -> str:
        found = [name for name in names if text in name]
        assert found, (text, names)
        return found[0]

    assert row("Breakpoint: sustained 8 users") and row("broke at 12 users")
    # the leak verdict of a series after the drop to the sustained step: returned or not
    verdict = row("after ramp-down vs")
    assert verdict.startswith("server: ") and verdict.endswith(("returned", "did not return (leak?)"))
    assert row("server: demo_open_connections")
    assert row("ran on local:").endswith("connections at peak")
    tagged = seen["rows"][row("tag request{feed:orders}")]
    assert int(tagged[0]) > 0 and float(tagged[2]) > 0  # its count and p50
