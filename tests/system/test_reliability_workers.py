"""A worker killed mid-run: the master keeps running on the other worker's stats, reports the
missing worker, and still judges the thresholds into the exit code."""

from __future__ import annotations

import csv
import json
import re
import time

import pytest

from locust_ws import WebSocketMetrics
from locust_ws.demo import start_demo_process, stop_demo_process
from locust_ws.reports.html import render_section
from locust_ws.reports.summary import format_console
from locust_ws.reports.webui import tab_rows

from ..support.demo import fetch_json
from ..support.locust_cluster import locust_cluster
from ..support.paths import ROOT

ECHO = ROOT / "locustfiles" / "echo.py"


@pytest.fixture(scope="module")
def worker_loss_demo() -> str:
    process, url = start_demo_process()
    yield url
    stop_demo_process(process)


def aggregated_history(path) -> list[tuple[float, int]]:
    """``(timestamp, total requests)`` of the master's stats history, one row per second."""
    with path.open() as file:
        return [
            (float(row["Timestamp"]), int(row["Total Request Count"]))
            for row in csv.DictReader(file)
            if row["Name"] == "Aggregated"
        ]


def test_killing_a_worker_leaves_the_master_running_reporting_it_and_judging_thresholds(
    worker_loss_demo, tmp_path
):
    stats_url = worker_loss_demo.replace("ws://", "http://") + "/stats"
    summary_file = tmp_path / "ws.json"
    master_args = ["--host", worker_loss_demo, "-u", "6", "-r", "6", "-t", "16s", "--only-summary"]
    master_args += ["--csv", str(tmp_path / "run"), "--csv-full-history", "--ws-json", str(summary_file)]
    master_args += ["--ws-threshold", "echo:count>=100", "--ws-threshold", "handshake_failure_rate<1%"]
    master_args += ["--ws-threshold", "echo:p50<1us"]  # fails: the exit code must say so
    with locust_cluster(ECHO, master_args, tmp_path) as cluster:
        deadline = time.monotonic() + 60
        while fetch_json(stats_url)["open_connections"] < 6:
            assert time.monotonic() < deadline and cluster.master.poll() is None, cluster.master_output()
            time.sleep(0.2)
        time.sleep(4.0)  # both workers have reported their open connections to the master
        cluster.workers[1].kill()
        killed_at = time.time()
        cluster.workers[1].wait()
        output = cluster.wait(timeout=60)
        master_code = cluster.master.returncode
    assert master_code == 3, output
    assert "Traceback" not in output
    assert "failed to send heartbeat, setting state to missing" in output
    assert "FAIL    echo:p50<1us" in output
    assert "PASS    echo:count>=100" in output
    assert "1 of 3 thresholds failed: exit code 3" in output

    # The run went on with the surviving worker's users, and the master's totals kept growing
    # after the loss was noticed. (Locust moves the lost users to the survivors only with
    # --enable-rebalancing.)
    assert fetch_json(stats_url)["handshakes"] == 6
    history = aggregated_history(tmp_path / "run_stats_history.csv")
    noticed = [count for stamp, count in history if stamp >= killed_at + 5]
    assert noticed and history[-1][1] > noticed[0] + 50
    # The lost worker's connections are no longer counted as open, and it is marked missing.
    summary = json.loads(summary_file.read_text())
    assert summary["metrics"]["handshakes"] == 6
    assert summary["metrics"]["open_connections"] == 0
    workers = sorted(summary["workers"], key=lambda worker: worker["missing"])
    assert [(worker["open_connections"], worker["missing"]) for worker in workers] == [(0, False), (0, True)]
    assert re.search(r"Per worker: .*worker \d \(missing\) open 0 peak 3", output)


def test_a_missing_worker_stops_counting_as_open_until_it_reports_again():
    workers = {name: WebSocketMetrics() for name in ("a", "b")}
    for metrics in workers.values():
        for _ in range(3):
            metrics.record("WS", "connect /echo", 1.0, 0, context={"ws_kind": "connect"})
    master = WebSocketMetrics()
    for name, metrics in workers.items():
        master.merge_report(name, f"worker {name}", metrics.take_report())
    assert master.open_connections == 6
    master.worker_missing("a")
    assert master.open_connections == 3
    summary = master.summary()
    assert [worker["missing"] for worker in summary["workers"]] == [True, False]
    # Every view names it: the console summary, the HTML report and the web UI tab.
    assert "worker a (missing) open 0 peak 3" in format_console(summary)
    assert "open_connections (worker a (missing))" in render_section(summary)
    assert {row["metric"] for row in tab_rows(summary)} >= {
        "open connections (worker a (missing))",
        "open connections (worker b)",
    }
    master.merge_report("a", "worker a", workers["a"].take_report())  # back after all
    assert master.open_connections == 6
    assert not master.workers["a"].missing
