"""Timeline: per-second traffic for live rates and charts, bounded in memory."""

from __future__ import annotations

from locust_ws.metrics.timeline import MESSAGES_IN, MESSAGES_OUT, OPEN, Timeline


def test_rates_average_the_ten_seconds_that_ended_two_seconds_ago():
    timeline = Timeline()
    for second in range(1000, 1020):
        timeline.bucket(second)[MESSAGES_IN] += 50
        timeline.bucket(second)[MESSAGES_OUT] += 10
    timeline.bucket(1019)[MESSAGES_IN] += 10_000  # the second still filling is left out
    messages_in, messages_out, _, _ = timeline.rates(now=1020.5)
    assert (messages_in, messages_out) == (50.0, 10.0)


def test_a_full_timeline_halves_its_resolution_and_keeps_every_message():
    timeline = Timeline(max_points=10)
    for second in range(100):
        timeline.bucket(second)[MESSAGES_IN] += 1
    assert len(timeline.buckets) <= 10
    assert timeline.width == 16
    assert sum(bucket[MESSAGES_IN] for bucket in timeline.buckets.values()) == 100


def test_points_fill_gaps_and_carry_the_gauge_forward():
    timeline = Timeline()
    timeline.bucket(10)[OPEN] = 5
    timeline.bucket(13)[MESSAGES_IN] += 3
    assert timeline.points() == [[10, 0, 0, 5], [11, 0, 0, 5], [12, 0, 0, 5], [13, 3, 0, 5]]


def test_wire_carries_traffic_but_not_the_workers_gauge():
    worker, master = Timeline(), Timeline()
    worker.bucket(7)[MESSAGES_OUT] += 4
    worker.bucket(7)[OPEN] = 99
    master.bucket(7)[OPEN] = 3
    master.add_wire(worker.to_wire())
    assert master.buckets[7][MESSAGES_OUT] == 4
    assert master.buckets[7][OPEN] == 3
