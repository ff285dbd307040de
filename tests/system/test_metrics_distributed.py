"""Master + 2 workers as real processes on loopback: the master merges both workers' histograms
and counters, and judges the thresholds over the whole cluster with the right exit code."""

from __future__ import annotations

import json

from ..support.locust_cluster import locust_cluster
from ..support.paths import ROOT
from .test_locustfiles import stats_rows

ECHO = ROOT / "locustfiles" / "echo.py"
RUN = ("-u", "6", "-r", "6", "-t", "6s")


def test_cluster_wide_metrics_pass_thresholds_and_exit_0(tmp_path):
    summary_file = tmp_path / "ws.json"
    thresholds = ("connect:p95<5000ms", "echo:count>=50", "handshake_failure_rate<1%", "close_code_1006<1")
    master_args = [*RUN, "--ws-json", str(summary_file)]
    for threshold in thresholds:
        master_args += ["--ws-threshold", threshold]
    with locust_cluster(ECHO, master_args, tmp_path) as cluster:
        output = cluster.wait(timeout=90)
        assert cluster.master.returncode == 0, output
    assert "all 4 thresholds passed" in output
    summary = json.loads(summary_file.read_text())
    metrics = summary["metrics"]
    assert metrics["handshakes"] == 6 and metrics["handshake_failures"] == 0
    assert summary["close_codes"] == {"1000": 6}
    assert metrics["open_connections"] == 0
    assert sorted(worker["worker"] for worker in summary["workers"]) == ["worker 0", "worker 1"]
    assert sum(worker["open_connections_peak"] for worker in summary["workers"]) == 6
    # Locust's own rows and ours come from the same events in the same reports: same counts.
    echo = next(row for row in summary["latency"] if row["name"] == "echo")
    assert echo["count"] == stats_rows(output)["echo"][0]
    assert echo["samples"] == echo["count"] and 0 < echo["p50_ms"] < 5000
    assert "Per worker: worker 0 open 0 peak 3; worker 1 open 0 peak 3" in output
    # the charts over time: each worker's open connections from its reports, latency per kind
    charts = summary["charts"]
    assert sorted(charts["workers"]) == ["worker 0", "worker 1"]
    assert [
        max(value or 0 for value in charts["workers"][worker]) for worker in sorted(charts["workers"])
    ] == [3, 3]
    assert max(charts["open_connections"]) == 6 and len(charts["time"]) >= 2
    assert any(p50 is not None and p50 > 0 for p50 in charts["latency"]["request"]["p50_ms"])


def test_a_threshold_failed_by_the_cluster_exits_with_the_threshold_code(tmp_path):
    master_args = [*RUN, "--ws-threshold", "echo:p50<1us", "--ws-threshold", "handshakes==6"]
    with locust_cluster(ECHO, master_args, tmp_path) as cluster:
        output = cluster.wait(timeout=90)
        assert cluster.master.returncode == 3, output
    assert "FAIL    echo:p50<1us" in output
    assert "PASS    handshakes==6" in output
    assert "1 of 2 thresholds failed: exit code 3" in output
