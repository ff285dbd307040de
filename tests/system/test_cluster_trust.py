"""The master trusts no worker: a real master and two workers on loopback, one of which forges its
reports (a negative failure count that would make a failing threshold pass, then counters that are
not a mapping). The master drops the forger's reports with one warning, never raises, and judges
the run on the honest worker's numbers."""

from __future__ import annotations

import json

from ..support.locust_cluster import locust_cluster
from ..support.paths import ROOT

LOCUSTFILE = ROOT / "tests" / "locustfiles" / "forged_reports.py"


def test_forged_worker_reports_are_dropped_and_cannot_pass_a_failing_threshold(tmp_path, demo_url):
    summary_file = tmp_path / "ws.json"
    master_args = ["-u", "4", "-r", "4", "-t", "5s", "--host", demo_url, "--ws-json", str(summary_file)]
    master_args += ["--ws-threshold", "failures<1"]
    env = {"FORGE_MARKER": str(tmp_path / "forger")}
    with locust_cluster(LOCUSTFILE, master_args, tmp_path, env=env) as cluster:
        output = cluster.wait(timeout=90)
    assert cluster.master.returncode == 3, output  # the honest worker's failures fail the threshold
    assert "FAIL    failures<1" in output
    warnings = [line for line in output.splitlines() if "ignoring a malformed report" in line]
    assert len(warnings) == 1, output
    assert "counter failures is -1000000000, not a whole number >= 0" in warnings[0]
    assert "Traceback" not in output and "Uncaught exception" not in output
    summary = json.loads(summary_file.read_text())
    assert len(summary["workers"]) == 1  # the forger's reports never counted
    (echo,) = [row for row in summary["latency"] if row["name"] == "echo" and row["kind"] == "request"]
    assert summary["metrics"]["failures"] == echo["failures"] > 0
