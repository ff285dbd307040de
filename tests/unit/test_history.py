"""The charts' series over time: thinning, the bound on per-worker series, the latency window and
what a master's samples hold once workers report."""

from __future__ import annotations

from locust_ws import WebSocketMetrics
from locust_ws.metrics import history
from locust_ws.metrics.histograms import LatencyHistogram
from locust_ws.metrics.history import (
    OTHERS,
    ChartHistory,
    ChartSample,
    KindLatencyWindow,
    bound_series,
    thin,
)

from .test_metrics import Clock, fire


def sample(second: float, open_connections: int = 0, **workers: int) -> ChartSample:
    return ChartSample(second, open_connections, workers, (0.0, 0.0, 0.0, 0.0))


def test_thinning_keeps_every_other_sample_and_the_latest():
    samples = [sample(second) for second in range(7)]
    assert [kept.time for kept in thin(samples)] == [0, 2, 4, 6]
    assert [kept.time for kept in thin(samples[:6])] == [1, 3, 5]


def test_a_full_history_halves_its_samples_and_samples_half_as_often():
    history = ChartHistory(max_samples=4, interval_s=2.0)
    for second in range(5):
        history.add(sample(second * 2.0))
    assert [kept.time for kept in history.samples] == [0.0, 4.0, 8.0]
    assert history.interval_s == 4.0
    for second in range(20):
        history.add(sample(10.0 + second))
    assert len(history.samples) <= 4


def test_per_worker_series_keep_the_busiest_and_sum_the_others():
    series = {f"worker {index}": [index, index * 2] for index in range(1, 11)}
    series["worker 11"] = [None, 1]  # joined late
    bounded = bound_series(series, 3)
    assert list(bounded) == ["worker 8", "worker 9", "worker 10", OTHERS]
    assert bounded[OTHERS] == [sum(range(1, 8)), sum(range(1, 8)) * 2 + 1]
    assert bound_series({"worker 1": [1]}, 3) == {"worker 1": [1]}


def test_a_series_of_no_values_stays_empty_among_the_others():
    bounded = bound_series({"a": [5, 5], "b": [None, None], "c": [None, None]}, 1)
    assert bounded == {"a": [5, 5], OTHERS: [None, None]}


def test_the_latency_window_covers_the_last_samples_only():
    window = KindLatencyWindow(intervals=2)
    for _ in range(99):
        window.record_ms("request", 1.0)
    window.record_ms("request", 100.0)
    p50, p99 = window.roll()["request"]
    assert abs(p50 - 1.0) < 0.01 and abs(p99 - 1.0) < 0.01
    for _ in range(100):
        window.record_ms("request", 10.0)
    p50, p99 = window.roll()["request"]  # both samples: 99 at 1 ms, 100 at 10 ms, 1 at 100 ms
    assert abs(p50 - 10.0) < 0.01 and abs(p99 - 10.0) < 0.01
    assert window.roll()["request"][1] < 10.01  # the 100 ms left with the first sample
    window.record_ms("connect", 5.0)
    rolled = window.roll()
    assert "request" not in rolled and abs(rolled["connect"][0] - 5.0) < 0.01
    window.roll()
    assert window.roll() == {}


def test_a_masters_samples_carry_each_workers_connections_and_the_latency_per_kind():
    clock = Clock()
    master = WebSocketMetrics(clock)
    master.chart_latency = KindLatencyWindow()
    history = ChartHistory()
    for worker_id, connections in (("a", 2), ("b", 3)):
        worker = WebSocketMetrics(clock)
        for _ in range(connections):
            fire(worker, "connect", "connect /echo", 2.0)
        fire(worker, "request", "echo", 7.0)
        master.merge_report(worker_id, f"worker {len(master.workers) + 1}", worker.take_report())
    history.add(master.chart_sample())
    charts = history.summary()
    assert charts["open_connections"] == [5]
    assert charts["workers"] == {"worker 1": [2], "worker 2": [3]}
    assert abs(charts["latency"]["request"]["p50_ms"][0] - 7.0) < 0.01
    assert abs(charts["latency"]["connect"]["p99_ms"][0] - 2.0) < 0.01


def test_a_worker_keeps_no_latency_window():
    worker = WebSocketMetrics()
    fire(worker, "request", "echo", 7.0)
    assert worker.chart_latency is None


def test_worker_lines_come_in_worker_number_order():
    history = ChartHistory()
    history.add(ChartSample(0.0, 3, {"worker 10": 1, "worker 2": 2}, (0.0, 0.0, 0.0, 0.0)))
    assert list(history.summary()["workers"]) == ["worker 2", "worker 10"]


def test_the_latency_window_keeps_a_bounded_number_of_samples_per_kind(monkeypatch):
    monkeypatch.setattr(history, "MAX_WINDOW_SAMPLES", 10)
    window = KindLatencyWindow()
    for value in range(1, 21):  # 1..10 kept, 11..20 past the bound
        window.record_ms("request", float(value))
    p50, p99 = window.roll()["request"]
    assert (p50, p99) == (5.0, 10.0)


def test_a_window_with_local_samples_and_merged_histograms_ranks_them_together():
    window = KindLatencyWindow()
    worker = LatencyHistogram()
    for _ in range(99):
        worker.record_ms(2.0)
    window.merge("request", worker)
    window.record_ms("request", 50.0)
    p50, p99 = window.roll()["request"]
    assert abs(p50 - 2.0) < 0.01 and abs(p99 - 2.0) < 0.01
    window.record_ms("request", 50.0)
    assert window.roll()["request"][1] > 49  # two of 101 samples at 50 ms: p99 is one of them
