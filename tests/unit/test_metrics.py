"""WebSocketMetrics fed with request events as sessions fire them (no sockets: pure accounting)."""

from __future__ import annotations

import tracemalloc

import pytest

from locust_ws import ConnectError, ConnectionClosed, PongTimeout, WebSocketMetrics
from locust_ws.metrics.collector import OVERFLOW_NAME
from locust_ws.metrics.thresholds import evaluate, parse_thresholds


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def fire(metrics, kind, name, response_time=None, length=0, exception=None, request_type="WS", **context):
    metrics.record(
        request_type=request_type,
        name=name,
        response_time=response_time,
        response_length=length,
        exception=exception,
        context={"ws_kind": kind, **context},
    )


def test_events_without_ws_kind_are_ignored():
    metrics = WebSocketMetrics()
    metrics.record(request_type="GET", name="/login", response_time=3.0, response_length=10, context={})
    metrics.record(request_type="GET", name="/x", response_time=3.0, response_length=10, context={"user": 1})
    assert metrics.events == 0
    assert metrics.rows == {}


def test_connect_and_close_events_move_the_gauge_and_the_peak():
    metrics = WebSocketMetrics()
    for _ in range(3):
        fire(metrics, "connect", "connect /echo", 1.5)
    fire(metrics, "close", "close /echo", 0.8, close_code=1000)
    fire(metrics, "connect", "connect /echo", 1.5)
    assert metrics.open_connections == 3
    assert metrics.peak_open_connections == 3
    assert metrics.handshakes == 4


def test_failed_handshakes_open_nothing_and_make_the_failure_rate():
    metrics = WebSocketMetrics()
    fire(metrics, "connect", "connect /echo", 1.0)
    fire(metrics, "connect", "connect /echo", 0.2, exception=ConnectError("connection refused"))
    assert metrics.open_connections == 1
    assert metrics.value("handshake_failures") == 1
    assert metrics.value("handshakes_succeeded") == 1
    assert metrics.value("handshake_failure_rate") == 0.5


def test_close_codes_are_counted_per_code():
    metrics = WebSocketMetrics()
    for code in (1000, 1006, 1006, 4001):
        fire(metrics, "connect", "connect /x", 1.0)
        fire(metrics, "close", "close /x", None, close_code=code)
    assert metrics.close_codes == {1000: 1, 1006: 2, 4001: 1}
    assert metrics.value("close_code_1006") == 2
    assert metrics.value("close_code_1011") == 0
    assert metrics.open_connections == 0


def test_messages_and_bytes_are_counted_both_ways():
    metrics = WebSocketMetrics()
    fire(metrics, "send", "send", None, 30, send_ms=0.01)
    fire(metrics, "send", "send", None, 0, ConnectionClosed(1006))  # never left: not counted
    fire(metrics, "request", "echo", 0.4, 50, sent_bytes=45, send_ms=0.02)
    fire(metrics, "request", "echo", 5000.0, 0, sent_bytes=45, send_ms=0.02)  # timed out: no reply
    fire(metrics, "request", "call echo", 0.4, 20, request_type="SIO")  # size not reported: 1 message
    fire(metrics, "recv", "recv", None, 70)
    fire(metrics, "late_reply", "late reply", None, 50)
    fire(metrics, "fanout", "fanout", 1.2, 25)  # a message of its own, as is a push
    fire(metrics, "push", "server push", 0.8, 15)
    assert (metrics.messages_out, metrics.bytes_out) == (4, 120)
    assert (metrics.messages_in, metrics.bytes_in) == (6, 230)
    assert metrics.late_replies == 1


def test_time_blocked_in_send_is_a_latency_row():
    metrics = WebSocketMetrics()
    fire(metrics, "send", "send", 0.05, 30, send_ms=0.05)  # did not block
    fire(metrics, "send", "send", 3.0, 30, send_ms=3.0, blocked_ms=3.0)
    fire(metrics, "request", "echo", 0.4, 50, sent_bytes=45, send_ms=12.0, blocked_ms=12.0)
    blocked = metrics.select("send_blocked")
    assert blocked is not None and blocked.histogram.count == 2
    assert blocked.histogram.max_ms == pytest.approx(12.0, rel=1e-3)


def test_reconnects_and_heartbeat_misses_are_counted():
    metrics = WebSocketMetrics()
    fire(metrics, "reconnect", "reconnect /echo", 800.0)
    fire(metrics, "reconnect", "reconnect /echo", None, exception=ConnectError("gave up"))
    fire(metrics, "ping", "ping", 0.3)
    fire(metrics, "ping", "ping", None, exception=PongTimeout(10))
    fire(metrics, "heartbeat", "heartbeat", None, exception=PongTimeout(10), request_type="SIO")
    assert (metrics.reconnects, metrics.reconnect_failures, metrics.heartbeat_misses) == (1, 1, 2)
    assert metrics.failures == 3
    assert metrics.value("failure_rate") == pytest.approx(3 / 5)


def test_rows_select_by_kind_or_by_name():
    metrics = WebSocketMetrics()
    fire(metrics, "connect", "connect /a", 1.0)
    fire(metrics, "connect", "connect /b", 3.0)
    fire(metrics, "connect", "connect /ns", 2.0, request_type="SIO")
    by_kind = metrics.select("connect")
    assert by_kind.count == 3 and by_kind.histogram.max_ms == pytest.approx(3.0, rel=1e-3)
    assert metrics.select("connect /b").histogram.percentile_ms(50) == pytest.approx(3.0, rel=1e-3)
    assert metrics.select("no such row") is None


def test_worker_reports_merge_into_exact_cluster_totals():
    clock = Clock()
    workers = [WebSocketMetrics(clock), WebSocketMetrics(clock)]
    everything = WebSocketMetrics(clock)
    for index in range(200):
        for metrics in (workers[index % 2], everything):
            fire(metrics, "connect", "connect /echo", 1 + index / 100)
            fire(metrics, "request", "echo", 0.2 + index / 1000, 40, sent_bytes=35)
    fire(workers[0], "close", "close /echo", 0.5, close_code=1000)
    master = WebSocketMetrics(clock)
    master.merge_report("a", "worker 0", workers[0].take_report())
    master.merge_report("b", "worker 1", workers[1].take_report())
    assert master.open_connections == 199
    assert [worker.open for worker in master.workers.values()] == [99, 100]
    assert master.messages_out == everything.messages_out and master.bytes_in == everything.bytes_in
    assert master.close_codes == {1000: 1}
    for name in ("connect /echo", "echo"):
        assert master.select(name).histogram.to_wire() == everything.select(name).histogram.to_wire()
    # The next report carries only what happened since: nothing is counted twice.
    master.merge_report("a", "worker 0", workers[0].take_report())
    assert master.messages_out == everything.messages_out
    assert master.open_connections == 199


def test_workers_are_listed_by_label_whatever_reported_first():
    master = WebSocketMetrics()
    for worker_id, label in (("c", "worker 10"), ("b", "worker 2"), ("a", "worker 0")):
        master.merge_report(worker_id, label, WebSocketMetrics().take_report())
    listed = [worker["worker"] for worker in master.summary()["workers"]]
    assert listed == ["worker 0", "worker 2", "worker 10"]


def test_a_report_of_another_version_is_ignored():
    master = WebSocketMetrics()
    assert master.merge_report("a", "worker 0", {"version": 999, "rows": "whatever"}) is False
    assert master.events == 0


def worker_report(clock: Clock, failures: int = 0) -> dict:
    worker = WebSocketMetrics(clock)
    fire(worker, "connect", "connect /echo", 1.0)
    fire(worker, "request", "echo", 0.5, 40, sent_bytes=35)
    for _ in range(failures):
        fire(worker, "request", "echo", 5.0, exception=ConnectionClosed(1006))
    fire(worker, "close", "close /echo", 0.5, close_code=1000)
    return worker.take_report()


def set_row(index, value):
    return lambda report: report["rows"][0].__setitem__(index, value)


MALFORMED = {
    "not a mapping": lambda report: report.clear(),
    "a negative counter": lambda report: report["counters"].update(failures=-5),
    "counters that are not a mapping": lambda report: report.update(counters="garbage"),
    "a counter that is text": lambda report: report["counters"].update(events="12"),
    "a counter that is a bool": lambda report: report["counters"].update(handshakes=True),
    "more failures than events": lambda report: report["counters"].update(failures=99),
    "rows that are not a list": lambda report: report.update(rows={"a": 1}),
    "a row of the wrong shape": lambda report: report["rows"].append(["WS", "connect"]),
    "a row with a negative count": set_row(3, -1),
    "a row with more failures than events": set_row(4, 9),
    "a row with a name that is not text": set_row(2, 7),
    "a histogram that does not decode": set_row(5, ["not an HdrHistogram", 3]),
    "close codes that are not pairs": lambda report: report.update(close_codes=[[1000]]),
    "a close code out of range": lambda report: report.update(close_codes=[[70000, 1]]),
    "traffic that is not numbers": lambda report: report.update(traffic=[["x", 1, 2, 3, 4]]),
    "a negative open gauge": lambda report: report.update(open=-3),
}


@pytest.mark.parametrize("corrupt", list(MALFORMED.values()), ids=list(MALFORMED))
def test_a_malformed_worker_report_is_dropped_whole_and_changes_nothing(corrupt):
    clock = Clock()
    master = WebSocketMetrics(clock)
    assert master.merge_report("a", "worker 0", worker_report(clock)) is True
    before = master.summary()
    report = worker_report(clock)
    corrupt(report)
    assert master.merge_report("b", "worker 1", report) is False
    assert master.summary() == before
    assert list(master.workers) == ["a"]


def test_a_malformed_report_is_logged_once_per_worker(caplog):
    clock = Clock()
    master = WebSocketMetrics(clock)
    for worker_id in ("b", "b", "b", "c"):
        master.merge_report(worker_id, f"worker {worker_id}", {**worker_report(clock), "counters": "garbage"})
    warnings = [record.getMessage() for record in caplog.records if "malformed" in record.getMessage()]
    assert warnings == [
        "locust-ws: ignoring a malformed report from worker b (said once per worker): "
        "counters is str, not a mapping",
        "locust-ws: ignoring a malformed report from worker c (said once per worker): "
        "counters is str, not a mapping",
    ]


def test_a_negative_counter_cannot_make_a_failing_threshold_pass():
    clock = Clock()
    master = WebSocketMetrics(clock)
    master.merge_report("a", "worker 0", worker_report(clock, failures=3))
    forged = worker_report(clock)
    forged["counters"]["failures"] = -5
    master.merge_report("b", "worker 1", forged)
    (verdict,) = evaluate(parse_thresholds(["failures<1"]), master)
    assert master.failures == 3 and not verdict.passed


def test_a_report_without_a_counter_of_a_newer_master_counts_it_as_zero():
    clock = Clock()
    master = WebSocketMetrics(clock)
    report = worker_report(clock)
    del report["counters"]["requests_cut_off"]  # a worker of the version before the counter
    assert master.merge_report("a", "worker 0", report) is True
    assert master.requests_cut_off == 0 and master.messages_out == 1


def test_reset_forgets_counters_but_keeps_the_live_gauge():
    metrics = WebSocketMetrics()
    fire(metrics, "connect", "connect /echo", 1.0)
    fire(metrics, "connect", "connect /echo", 1.0)
    fire(metrics, "close", "close /echo", 1.0, close_code=1000)
    metrics.reset()
    assert (metrics.open_connections, metrics.peak_open_connections) == (1, 1)
    assert metrics.handshakes == 0 and not metrics.close_codes and not metrics.rows
    fire(metrics, "close", "close /echo", 1.0, close_code=1000)
    assert metrics.open_connections == 0


def test_row_names_beyond_the_limit_are_pooled_per_kind(caplog):
    metrics = WebSocketMetrics(max_rows=3)
    for number in range(10):
        fire(metrics, "request", f"order {number}", 1.0)
    assert len(metrics.rows) == 4
    assert metrics.rows[("WS", "request", OVERFLOW_NAME)].count == 7
    assert caplog.text.count("further names are pooled") == 1


def test_summary_has_sub_millisecond_percentiles_and_run_rates():
    clock = Clock()
    metrics = WebSocketMetrics(clock)
    for _ in range(100):
        fire(metrics, "request", "echo", 0.3, 40, sent_bytes=35)
    clock.now += 10
    summary = metrics.summary()
    (row,) = summary["latency"]
    assert row["p50_ms"] == 0.3 and row["p99.9_ms"] == 0.3
    assert summary["metrics"]["messages_out_per_s"] == pytest.approx(10.0)
    assert summary["duration_s"] == 10.0


def test_memory_stays_flat_however_many_samples_arrive():
    clock = Clock()
    metrics = WebSocketMetrics(clock)

    def traffic(events: int) -> None:
        for number in range(events):
            clock.now += 0.02  # 50 events/s: an hour of seconds fills and coarsens the timeline
            fire(metrics, "request", "echo", 0.2 + (number % 5000) / 100, 40, sent_bytes=35)

    traffic(100_000)
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    traffic(100_000)
    growth = sum(stat.size_diff for stat in tracemalloc.take_snapshot().compare_to(before, "filename"))
    tracemalloc.stop()
    assert metrics.select("echo").count == 200_000
    assert len(metrics.timeline.buckets) <= metrics.timeline.max_points
    # Bytes: at most the timeline filling up to its bound; keeping the 100,000 new samples as
    # floats in a list would take 3.2 MB.
    assert growth < 500_000
