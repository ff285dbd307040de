"""Tags per feed in real runs: a master with 2 workers judges ``fanout{feed:...}`` thresholds on the
tagged rows both workers reported, and sets the exit code by them; a bad tag selector is refused
before any load, exit 2."""

from __future__ import annotations

import json
import re

import pytest

from ..support.locust_cluster import locust_cluster
from ..support.paths import ROOT
from .test_locustfiles import run_locust
from .test_thresholds_cli import output_of

FEEDS = ROOT / "locustfiles" / "tagged_feeds.py"
RUN = ("-u", "4", "-r", "4", "-t", "6s")


def tagged_rows(summary: dict, kind: str) -> dict[str, dict]:
    return {row["tags"]["feed"]: row for row in summary["latency_by_tag"] if row["kind"] == kind}


@pytest.mark.parametrize(
    ("prices_threshold", "exit_code", "verdict"),
    [
        ("fanout{feed:prices}:p99<60s", 0, "all 3 thresholds passed"),
        ("fanout{feed:prices}:p99<1us", 3, "1 of 3 thresholds failed: exit code 3"),
    ],
)
def test_a_cluster_judges_each_feed_by_its_tag_and_exits_by_the_verdict(
    tmp_path, prices_threshold, exit_code, verdict
):
    summary_file = tmp_path / "ws.json"
    thresholds = ("fanout{feed:orders}:p99<60s", "connect{feed:orders}:count==2", prices_threshold)
    master_args = [*RUN, "--ws-json", str(summary_file)]
    for threshold in thresholds:
        master_args += ["--ws-threshold", threshold]
    with locust_cluster(FEEDS, master_args, tmp_path) as cluster:
        output = cluster.wait(timeout=90)
        assert cluster.master.returncode == exit_code, output
    assert verdict in output
    assert "PASS    fanout{feed:orders}:p99<60s" in output
    summary = json.loads(summary_file.read_text())
    assert len(summary["workers"]) == 2
    # Both workers' tagged rows reached the master: every event is tagged, so the feeds add up to
    # the untagged totals, and each feed's two users connected once each.
    fanout = tagged_rows(summary, "fanout")
    assert set(fanout) == {"orders", "prices"} and all(row["samples"] > 0 for row in fanout.values())
    (untagged,) = [row for row in summary["latency_by_kind"] if row["kind"] == "fanout"]
    assert sum(row["count"] for row in fanout.values()) == untagged["count"]
    assert {feed: row["count"] for feed, row in tagged_rows(summary, "connect").items()} == {
        "orders": 2,
        "prices": 2,
    }
    sends = tagged_rows(summary, "send")
    assert sum(row["count"] for row in sends.values()) == summary["metrics"]["messages_out"]
    assert re.search(r"^tag\s+fanout\s+fanout\{feed:orders\}\s+\d+", output, re.M), output


def test_a_bad_tag_selector_is_refused_before_any_load_is_sent():
    result = run_locust(
        "echo.py", "-u", "2", "-r", "2", "-t", "2s", "--ws-threshold", "fanout{feed}:p99<200ms"
    )
    output = output_of(result)
    assert result.returncode == 2, output
    assert "tags are '<name>:<value>' pairs" in output
    assert "Traceback" not in output and "Ramping" not in output
