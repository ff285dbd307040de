"""The target's series and the leak verdict (``metrics.server_health``), with time passed in."""

from __future__ import annotations

import pytest

from locust_ws.metrics.server_health import ScrapeError, ServerHealth, parse_samples
from locust_ws.metrics.thresholds import ThresholdError, parse_threshold

EXPOSITION = """\
# HELP process_open_fds Number of open file descriptors.
# TYPE process_open_fds gauge
process_open_fds 12.0
# TYPE process_cpu_seconds counter
process_cpu_seconds_total 1.5
# TYPE http_connections gauge
http_connections{route="/a"} 3
http_connections{route="/b"} 4
"""


def test_samples_are_read_by_sample_or_family_name_and_summed_over_labels():
    values = parse_samples(EXPOSITION, ["process_open_fds", "process_cpu_seconds_total", "http_connections"])
    assert values == {"process_open_fds": 12.0, "process_cpu_seconds_total": 1.5, "http_connections": 7.0}


def test_series_the_target_does_not_expose_are_left_out():
    assert parse_samples(EXPOSITION, ["go_goroutines"]) == {}


def test_garbage_is_a_scrape_error():
    with pytest.raises(ScrapeError):
        parse_samples("<html>this is not it</html>\n", ["process_open_fds"])


def run(health: ServerHealth, points: list[tuple[float, int, float]]) -> None:
    """``(time, users, value)`` scrapes of ``process_open_fds``."""
    for now, users, value in points:
        health.users(users, now)
        health.observe("process_open_fds", value, now)


def test_a_gauge_that_comes_back_after_the_users_leave_returned():
    health = ServerHealth(tolerance=0.1, settle_s=5)
    run(health, [(0, 0, 12), (1, 100, 112), (2, 100, 112), (3, 0, 80), (4, 0, 15)])
    assert health.leaks(now=4) == []
    assert health.value("server:process_open_fds:leak", now=4) == 0.0
    assert health.value("server:process_open_fds", now=4) == 112.0
    (row,) = health.summary(now=4)
    assert row["returned"] is True and row["baseline"] == 12 and row["peak"] == 112
    assert row["verdict"] == "process_open_fds 15 after ramp-down vs 12 before: returned"


def test_a_gauge_still_up_after_the_settle_time_is_a_leak():
    health = ServerHealth(tolerance=0.1, settle_s=5)
    run(health, [(0, 0, 12), (1, 5000, 5012), (3, 0, 5012)])
    assert health.value("server:process_open_fds:leak", now=4) is None  # still settling
    assert not health.settled(now=4)
    run(health, [(9, 0, 5012)])
    assert health.settled(now=9)
    assert health.leaks(now=9) == ["process_open_fds"]
    assert health.value("server_leaks", now=9) == 1.0
    (row,) = health.summary(now=9)
    assert row["verdict"] == "process_open_fds 5,012 after ramp-down vs 12 before: did not return (leak?)"


def test_a_return_after_the_settle_time_is_still_a_leak():
    health = ServerHealth(tolerance=0.1, settle_s=2)
    run(health, [(0, 0, 10), (1, 10, 110), (2, 0, 110), (10, 0, 10)])
    assert health.leaks(now=10) == ["process_open_fds"]


def test_a_ramp_down_stage_is_judged_like_the_end_of_the_run():
    health = ServerHealth(tolerance=0.1, settle_s=5)
    run(health, [(0, 0, 10), (1, 100, 110), (2, 10, 105), (8, 10, 104)])
    assert health.leaks(now=8) == ["process_open_fds"]


def test_counters_have_no_leak_verdict():
    health = ServerHealth(settle_s=1)
    for now, users, value in [(0, 0, 1.0), (1, 10, 5.0), (2, 0, 6.0), (9, 0, 6.0)]:
        health.users(users, now)
        health.observe("process_cpu_seconds_total", value, now)
    assert health.leaks(now=9) == [] and health.settled(now=9)
    assert health.summary(now=9)[0]["returned"] is None


@pytest.mark.parametrize(
    ("text", "metric"),
    [
        ("server:process_open_fds<10000", "server:process_open_fds"),
        ("server:go_goroutines:leak<1", "server:go_goroutines:leak"),
        ("server_leaks==0", "server_leaks"),
    ],
)
def test_server_thresholds_parse_as_plain_numbers(text, metric):
    threshold = parse_threshold(text)
    assert threshold.metric == metric and threshold.statistic is None and threshold.unit == "count"


@pytest.mark.parametrize("text", ["server:process_open_fds:p95<10", "server:<3", "server:fds<10ms"])
def test_bad_server_thresholds_are_refused(text):
    with pytest.raises(ThresholdError):
        parse_threshold(text)
