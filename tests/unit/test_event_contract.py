"""The contract between sessions and metrics, and the one table of single numbers, without sockets:
every kind a session fires is a ``Kind`` and reaches its metric through the real ``Reporter``; the
context keys are ``EventContext``'s; ``SCALAR_METRICS`` alone decides what every report lists; the
summary types describe the summary the metrics really produce."""

from __future__ import annotations

import ast
import csv
import io
import json

import pytest
from locust import User
from locust.env import Environment
from locust.event import EventHook

from locust_ws import ConnectError, HandlerError, PongTimeout, WebSocketMetrics
from locust_ws.metrics.collector import COUNTERS, KINDS, SCALAR_METRICS, ScalarMetric
from locust_ws.metrics.histograms import REPORTED_PERCENTILES, percentile_label
from locust_ws.metrics.summary_types import (
    PERCENTILE_KEYS,
    TIME_KEYS,
    KindLatency,
    LatencyRow,
    LatencyStats,
    LiveRates,
    TimelineSummary,
    WebSocketSummary,
    WorkerSummary,
)
from locust_ws.metrics.thresholds import evaluate, parse_thresholds
from locust_ws.protocol.deflate import DeflateParameters, PerMessageDeflate
from locust_ws.protocol.messages import stamped_latencies
from locust_ws.reports.html import render_section
from locust_ws.reports.summary import format_console, format_csv, with_thresholds
from locust_ws.reports.webui import tab_rows
from locust_ws.sessions.events import Compression, EventContext, Kind, Push
from locust_ws.sessions.reporter import Reporter

from ..support.paths import ROOT

SESSIONS = ROOT / "locust_ws" / "sessions"


def fired_kinds() -> set[str]:
    """Every kind literally passed to ``Reporter.fire`` in the sessions' source: a ``Kind`` member or
    (until every session uses the members) a plain string."""
    kinds = set()
    for path in SESSIONS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr != "fire" or not node.args:
                continue
            kind = node.args[0]
            if isinstance(kind, ast.Constant) and isinstance(kind.value, str):
                kinds.add(kind.value)
            elif (
                isinstance(kind, ast.Attribute)
                and isinstance(kind.value, ast.Name)
                and kind.value.id == "Kind"
            ):
                kinds.add(Kind[kind.attr].value)
    return kinds


def reporting(request_type: str = "WS", user: object = None) -> tuple[Reporter, WebSocketMetrics, list]:
    """A real ``Reporter`` firing into a real Locust event hook that feeds a store and a log."""
    hook = EventHook()
    metrics = WebSocketMetrics()
    events: list = []
    hook.add_listener(metrics.record)
    hook.add_listener(lambda **event: events.append(event))
    return Reporter(hook, request_type, user), metrics, events


# -- kinds ---------------------------------------------------------------------------------------


def test_every_kind_a_session_fires_is_a_kind_and_every_kind_is_fired():
    assert fired_kinds() == {kind.value for kind in Kind}


def test_a_stamped_message_proves_fanout_only_when_another_client_stamped_it():
    both = {"client_ts": 1.0, "server_ts": 1.0, "sender": "someone else"}
    fanout, push = stamped_latencies(both, "me", "client_ts", "server_ts", "sender")
    assert fanout is not None and push is not None
    ours = {**both, "sender": "me"}
    assert stamped_latencies(ours, "me", "client_ts", "server_ts", "sender")[0] is None
    assert stamped_latencies({"text": "hi"}, "me", "client_ts", "server_ts", "sender") == (None, None)


def test_a_kind_is_the_plain_string_it_stands_for():
    assert Kind.CONNECT == "connect" and hash(Kind.CONNECT) == hash("connect")
    assert (str(Kind.LATE_REPLY), f"{Kind.LATE_REPLY}", f"{Kind.PUSH:>6}") == (
        "late_reply",
        "late_reply",
        "  push",
    )
    assert json.dumps({"kind": Kind.RECV}) == '{"kind": "recv"}'
    assert set(KINDS) == {*(kind.value for kind in Kind), "send_blocked"}


def test_plain_string_kinds_and_members_land_on_the_same_row():
    report, metrics, _ = reporting()
    report.fire(Kind.CONNECT, "connect /echo", 1.0)
    report.fire("connect", "connect /echo", 2.0)  # as a session still firing plain strings does
    (row,) = metrics.summary()["latency"]
    assert (row["kind"], row["count"], metrics.handshakes, metrics.open_connections) == ("connect", 2, 2, 2)


# -- every kind reaches its metric ---------------------------------------------------------------

# kind -> (what a session fires: response time, length, exception, context; the scalars it moves)
EFFECTS: dict[Kind, tuple[float | None, int, Exception | None, EventContext, dict[str, float]]] = {
    Kind.CONNECT: (2.0, 0, None, {}, {"handshakes": 1, "handshakes_succeeded": 1, "open_connections": 1}),
    Kind.CLOSE: (None, 0, None, {"close_code": 1006}, {}),
    Kind.NAMESPACE: (2.0, 0, None, {"namespace": "/chat"}, {"namespaces_joined": 1}),
    Kind.DISCONNECT: (None, 0, None, {"namespace": "/chat"}, {}),
    Kind.SEND: (0.2, 30, None, {"send_ms": 0.2}, {"messages_out": 1, "bytes_out": 30}),
    Kind.RECV: (None, 40, None, {}, {"messages_in": 1, "bytes_in": 40}),
    Kind.REQUEST: (
        0.5,
        50,
        None,
        {"sent_bytes": 20, "send_ms": 0.1},
        {"messages_out": 1, "bytes_out": 20, "messages_in": 1, "bytes_in": 50},
    ),
    Kind.LATE_REPLY: (None, 10, None, {}, {"late_replies": 1, "messages_in": 1, "bytes_in": 10}),
    Kind.FANOUT: (1.5, 60, None, {}, {"messages_in": 1, "bytes_in": 60}),
    Kind.PUSH: (0.7, 70, None, {}, {"messages_in": 1, "bytes_in": 70}),
    Kind.PING: (None, 0, PongTimeout(10), {}, {"heartbeat_misses": 1, "failures": 1}),
    Kind.HEARTBEAT: (None, 0, PongTimeout(10), {}, {"heartbeat_misses": 1, "failures": 1}),
    Kind.WAIT: (3.0, 10, None, {}, {}),
    Kind.HANDLER: (None, 0, HandlerError("on_chat", ValueError("boom")), {}, {"failures": 1}),
    Kind.RECONNECT: (None, 0, ConnectError("gave up"), {}, {"reconnect_failures": 1, "failures": 1}),
    Kind.RESUBSCRIBE: (1900.0, 0, None, {}, {}),
    Kind.CUT_OFF: (
        None,
        0,
        None,
        {"sent_bytes": 20, "send_ms": 0.1},
        {"requests_cut_off": 1, "messages_out": 1, "bytes_out": 20},
    ),
    Kind.CLOSED_RECONNECTING: (None, 0, None, {}, {"closed_while_reconnecting": 1}),
}


def test_every_kind_has_its_effect_specified():
    assert set(EFFECTS) == set(Kind)


@pytest.mark.parametrize("kind", list(Kind))
def test_each_kind_fired_by_a_session_reaches_its_metric(kind):
    response_time, length, exception, context, moved = EFFECTS[kind]
    report, metrics, events = reporting()
    report.fire(kind, f"a {kind} row", response_time, length, exception, **context)
    assert events[0]["context"] == {**context, "ws_kind": kind}
    scalars = metrics.scalars()
    assert {key: scalars[key] for key in moved} == moved
    assert all(getattr(metrics, key) == 0 for key in COUNTERS[1:] if key not in moved), scalars
    (row,) = [row for row in metrics.summary()["latency"] if row["kind"] == kind]
    assert (row["name"], row["count"], row["failures"]) == (f"a {kind} row", 1, int(exception is not None))
    assert row["samples"] == int(response_time is not None)


def test_close_code_and_namespace_travel_in_the_context():
    report, metrics, events = reporting("SIO")
    report.fire(Kind.CONNECT, "connect /socket.io/", 1.0)
    report.fire(Kind.NAMESPACE, "namespace /chat", 1.0, namespace="/chat")
    report.fire(Kind.DISCONNECT, "disconnect /chat", None, namespace="/chat")
    report.fire(Kind.CLOSE, "close /socket.io/", None, close_code=4001)
    assert metrics.close_codes == {4001: 1} and metrics.open_connections == 0
    assert (metrics.handshakes, metrics.namespaces_joined) == (1, 1)
    assert events[2]["context"] == {"ws_kind": Kind.DISCONNECT, "namespace": "/chat"}


def test_blocked_ms_makes_the_send_blocked_row_of_its_request_type():
    report, metrics, _ = reporting("SIO")
    report.fire(Kind.SEND, "emit chat", 0.01, 30, send_ms=0.01)  # did not block: no sample
    report.fire(Kind.SEND, "emit chat", 4.0, 30, send_ms=4.0, blocked_ms=4.0)
    report.fire(Kind.REQUEST, "call echo", 0.5, 20, sent_bytes=20, send_ms=6.0, blocked_ms=6.0)
    blocked = metrics.rows[("SIO", "send_blocked", "send blocked")]
    assert blocked.count == 2 and blocked.histogram.max_ms == pytest.approx(6.0, rel=1e-3)


def test_no_send_blocked_row_while_no_send_blocked():
    report, metrics, _ = reporting()
    report.fire(Kind.SEND, "send", 0.02, 30, send_ms=0.02)
    report.fire(Kind.REQUEST, "echo", 0.5, 20, sent_bytes=20, send_ms=0.03)
    assert metrics.select("send_blocked") is None


def test_a_fanout_message_is_one_message_in_and_keeps_its_push_latency():
    report, metrics, _ = reporting()
    report.fire(Kind.FANOUT, "fanout", 2.5, 80, push=Push("server push", 1.25))
    assert (metrics.messages_in, metrics.bytes_in) == (1, 80)
    push = metrics.rows[("WS", "push", "server push")]
    assert push.count == 1 and push.histogram.max_ms == pytest.approx(1.25, rel=1e-3)
    assert metrics.rows[("WS", "fanout", "fanout")].count == 1


@pytest.mark.parametrize(
    ("context", "messages_out", "bytes_out"),
    [
        ({"sent_bytes": 25}, 1, 25),
        ({"sent_bytes": None}, 0, 0),  # the request never left
        ({}, 1, 0),  # a session that does not say: one message of unknown size
    ],
)
def test_sent_bytes_says_whether_and_how_much_a_request_sent(context, messages_out, bytes_out):
    report, metrics, _ = reporting()
    report.fire(Kind.REQUEST, "echo", 0.4, 0, **context)
    assert (metrics.messages_out, metrics.bytes_out) == (messages_out, bytes_out)


def test_the_users_context_is_merged_and_the_session_keys_win():
    class Tenant(User):
        abstract = True

        def context(self):
            return {"tenant": "acme", "namespace": "the user's", "ws_kind": "the user's"}

    report, metrics, events = reporting("SIO", Tenant(Environment()))
    report.fire(Kind.RECV, "recv chat", None, 12, namespace="/chat")
    assert events[0]["context"] == {"tenant": "acme", "namespace": "/chat", "ws_kind": Kind.RECV}
    assert metrics.messages_in == 1


def test_events_of_other_users_are_not_counted():
    hook = EventHook()
    metrics = WebSocketMetrics()
    hook.add_listener(metrics.record)
    hook.fire(request_type="GET", name="/login", response_time=3.0, response_length=10, context={"user": 1})
    assert metrics.events == 0 and not metrics.rows


def test_compression_counts_on_any_event_make_the_wire_ratio_and_cpu_metrics():
    report, metrics, _ = reporting()
    report.fire(Kind.SEND, "send", None, 400, compression=Compression(0, 0, 0, 0, 1, 400, 100, 8000))
    report.fire(Kind.CONNECT, "connect /echo", 1.0, compression=Compression(1, 300, 60, 2000, 0, 0, 0, 0))
    report.fire(Kind.RECV, "recv", None, 300)  # the message the connect event's counts inflated
    report.fire(Kind.RECV, "recv", None, 50)  # one from a connection without compression
    scalars = metrics.scalars()
    assert (scalars["wire_bytes_out"], scalars["wire_bytes_in"]) == (100, 60 + 50)
    assert (scalars["compressed_messages_out"], scalars["compressed_messages_in"]) == (1, 1)
    assert (scalars["compression_ratio_out"], scalars["compression_ratio_in"]) == (4.0, 5.0)
    assert (scalars["deflate_us_per_message"], scalars["inflate_us_per_message"]) == (8.0, 2.0)
    master = WebSocketMetrics()
    master.merge_report("a", "worker 0", metrics.take_report())
    assert master.scalars()["compression_ratio_in"] == 5.0 and master.scalars()["wire_bytes_out"] == 100


def test_without_compression_wire_bytes_are_payload_bytes_and_ratios_have_no_samples():
    report, metrics, _ = reporting()
    report.fire(Kind.REQUEST, "echo", 0.4, 70, sent_bytes=30)
    scalars = metrics.scalars()
    assert (scalars["wire_bytes_out"], scalars["wire_bytes_in"]) == (30, 70)
    assert scalars["compression_ratio_in"] is scalars["deflate_us_per_message"] is None


def test_the_reporter_hands_a_codecs_counts_to_the_next_event_only():
    report, _, events = reporting()
    codec = PerMessageDeflate(DeflateParameters(), 15, True, 15, clock=lambda: 0)
    report.deflate = codec
    codec.compress(b"Hello")
    report.fire(Kind.SEND, "send", None, 5)
    report.fire(Kind.SEND, "send", None, 5)
    assert events[0]["context"]["compression"] == Compression(0, 0, 0, 0, 1, 5, 7, 0)
    assert "compression" not in events[1]["context"]


# -- one table of single numbers -----------------------------------------------------------------


def test_the_store_counts_every_counter_of_the_table():
    declared = {name for name, kind in WebSocketMetrics.__annotations__.items() if kind == "int"}
    assert set(COUNTERS) == declared
    metrics = WebSocketMetrics()
    assert all(getattr(metrics, counter) == 0 for counter in COUNTERS)
    assert list(metrics.scalars()) == list(SCALAR_METRICS)
    assert list(metrics.take_report()["counters"]) == list(COUNTERS)


def judged_summary(*thresholds: str) -> WebSocketSummary:
    report, metrics, _ = reporting()
    report.fire(Kind.CONNECT, "connect /echo", 2.0)
    report.fire(Kind.REQUEST, "echo", 0.3, 40, sent_bytes=35, send_ms=0.01)
    return with_thresholds(
        metrics.summary(), evaluate(parse_thresholds(thresholds or ["handshakes==1"]), metrics)
    )


def test_a_metric_added_to_the_table_appears_in_every_report(monkeypatch):
    probe = ScalarMetric(
        "test_probes", "probes seen", "count", "a metric only this test defines", lambda *_: 42
    )
    monkeypatch.setitem(SCALAR_METRICS, probe.key, probe)
    summary = judged_summary("test_probes==42")
    assert summary["metrics"]["test_probes"] == 42
    assert summary["thresholds"][0]["passed"]
    console_line = next(line for line in format_console(summary).splitlines() if "probes seen" in line)
    assert console_line.split("probes seen")[1].split()[0] == "42"
    csv_rows = {row[0]: row for row in csv.reader(io.StringIO(format_csv(summary)))}
    assert (csv_rows["test_probes"][-2:]) == ["42", "count"]
    assert "<td>test_probes</td><td>42</td><td>a metric only this test defines</td>" in render_section(
        summary
    )
    tab = {row["metric"]: row for row in tab_rows(summary)}
    assert tab["probes seen"]["value"] == "42"


def test_every_metric_of_the_table_is_in_every_report():
    summary = judged_summary()
    console, html = format_console(summary), render_section(summary)
    csv_names = {row[0] for row in csv.reader(io.StringIO(format_csv(summary)))}
    tab_names = {row["metric"] for row in tab_rows(summary)}
    for key, metric in SCALAR_METRICS.items():
        assert metric.label in console and metric.label in tab_names, key
        assert key in csv_names and f"<td>{key}</td>" in html, key


# -- the summary types -----------------------------------------------------------------------------


def test_percentile_keys_name_the_reported_percentiles():
    reported = tuple(f"{percentile_label(percentile)}_ms" for percentile in REPORTED_PERCENTILES)
    assert reported == PERCENTILE_KEYS
    assert TIME_KEYS[2:-1] == PERCENTILE_KEYS and (*TIME_KEYS[:2], TIME_KEYS[-1]) == (
        "min_ms",
        "avg_ms",
        "max_ms",
    )
    assert set(LatencyStats.__annotations__) == {"count", "failures", "samples", *TIME_KEYS}


def test_the_summary_has_exactly_the_keys_its_types_declare():
    summary = judged_summary()
    assert WebSocketSummary.__required_keys__ <= set(summary) <= set(WebSocketSummary.__annotations__)
    assert set(summary) - WebSocketSummary.__required_keys__ == {"thresholds", "aborted"}
    assert set(summary["current"]) == set(LiveRates.__annotations__)
    assert set(summary["timeline"]) == set(TimelineSummary.__annotations__)
    assert all(set(row) == set(LatencyRow.__annotations__) for row in summary["latency"])
    assert all(set(row) == set(KindLatency.__annotations__) for row in summary["latency_by_kind"])
    master = WebSocketMetrics()
    master.merge_report("a", "worker 0", WebSocketMetrics().take_report())
    (worker,) = master.summary()["workers"]
    assert set(worker) == set(WorkerSummary.__annotations__)
