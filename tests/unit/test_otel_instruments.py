"""``OtelMetrics`` fed events by hand, read through the SDK's in-memory reader: every kind counts as
the collector counts it, and attributes stay bounded."""

from __future__ import annotations

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from locust_ws.errors import HeartbeatMissed
from locust_ws.metrics.collector import WebSocketMetrics
from locust_ws.reports.otel import MAX_CLOSE_CODES, MAX_ERROR_TYPES, OTHER, OtelMetrics
from locust_ws.sessions.events import Kind, Push

# (request type, name, response time, length, exception, context): one of every branch of a kind
EVENTS = [
    ("WS", "connect /a", 3.0, 0, None, {"ws_kind": Kind.CONNECT}),
    ("WS", "connect /a", 3.0, 0, None, {"ws_kind": Kind.CONNECT}),
    ("WS", "connect /b", 9.0, 0, ConnectionRefusedError("403"), {"ws_kind": Kind.CONNECT}),
    ("WS", "send", 0.1, 40, None, {"ws_kind": Kind.SEND, "send_ms": 0.1}),
    ("WS", "send", 5.0, 40, None, {"ws_kind": Kind.SEND, "send_ms": 5.0, "blocked_ms": 5.0}),
    ("WS", "send", None, 0, ConnectionError("gone"), {"ws_kind": Kind.SEND}),
    ("WS", "echo", 1.5, 30, None, {"ws_kind": Kind.REQUEST, "sent_bytes": 25, "send_ms": 0.1}),
    ("WS", "echo", 1.5, 30, None, {"ws_kind": Kind.REQUEST}),
    ("WS", "echo", None, 0, TimeoutError(), {"ws_kind": Kind.REQUEST, "sent_bytes": None}),
    ("WS", "echo", None, 0, None, {"ws_kind": Kind.CUT_OFF, "sent_bytes": 25}),
    ("WS", "recv", None, 12, None, {"ws_kind": Kind.RECV}),
    ("WS", "late reply", None, 30, None, {"ws_kind": Kind.LATE_REPLY}),
    ("WS", "fanout", 2.5, 80, None, {"ws_kind": Kind.FANOUT, "push": Push("server push", 1.25)}),
    ("WS", "server push", 1.0, 70, None, {"ws_kind": Kind.PUSH}),
    ("WS", "ping", None, 0, HeartbeatMissed(20.0), {"ws_kind": Kind.PING}),
    ("SIO", "heartbeat", 25.0, 0, None, {"ws_kind": Kind.HEARTBEAT}),
    ("WS", "reconnect /a", 80.0, 0, None, {"ws_kind": Kind.RECONNECT}),
    ("WS", "reconnect /a", None, 0, ConnectionError("gave up"), {"ws_kind": Kind.RECONNECT}),
    ("WS", "close /a", 1.0, 0, None, {"ws_kind": Kind.CLOSE, "close_code": 1000}),
    ("WS", "close /a", None, 0, None, {"ws_kind": Kind.CLOSE, "close_code": 1006}),
    ("WS", "close /a", None, 0, None, {"ws_kind": Kind.CLOSE, "close_code": 1006}),  # no connect left
    ("GET", "/login", 4.0, 100, None, {}),  # not ours
]


def instruments() -> tuple[OtelMetrics, InMemoryMetricReader]:
    reader = InMemoryMetricReader()
    return OtelMetrics(MeterProvider(metric_readers=[reader]).get_meter("test")), reader


def collected(reader: InMemoryMetricReader) -> dict[str, list]:
    return {
        metric.name.removeprefix("locust_ws."): list(metric.data.data_points)
        for resource in reader.get_metrics_data().resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
    }


def total(series: dict[str, list], name: str) -> float:
    return sum(point.value for point in series.get(name, []))


def feed(*listeners) -> None:
    for request_type, name, response_time, length, exception, context in EVENTS:
        for listener in listeners:
            listener(request_type, name, response_time, length, exception, dict(context))


def test_every_kind_counts_as_the_collector_counts_it():
    otel, reader = instruments()
    collector = WebSocketMetrics()
    feed(otel.record, collector.record)
    series = collected(reader)
    assert total(series, "handshakes") == collector.handshakes == 3
    assert total(series, "handshake_failures") == collector.handshake_failures == 1
    assert total(series, "connections_open") == collector.open_connections == 0
    assert total(series, "messages_sent") == collector.messages_out == 5
    assert total(series, "payload_sent") == collector.bytes_out == 130
    assert total(series, "messages_received") == collector.messages_in == 6
    assert total(series, "payload_received") == collector.bytes_in == 252
    assert total(series, "reconnects") == collector.reconnects == 1
    assert total(series, "reconnect_failures") == collector.reconnect_failures == 1
    assert total(series, "heartbeat_misses") == collector.heartbeat_misses == 1
    assert total(series, "failures") == collector.failures == 5
    closed = {point.attributes["close_code"]: point.value for point in series["connections_closed"]}
    assert (
        closed
        == {str(code): count for code, count in collector.close_codes.items()}
        == {"1000": 1, "1006": 2}
    )
    durations = {
        (point.attributes["kind"], point.attributes["name"]): point.count for point in series["duration"]
    }
    for (_, kind, name), row in collector.rows.items():
        if row.histogram is not None:
            assert durations[(kind, name)] == row.histogram.count, (kind, name)
    assert durations[("push", "server push")] == 2  # its own message and the fanout's push latency
    assert durations[("send_blocked", "send blocked")] == 1
    assert not any(
        point.attributes["request_type"] == "GET" for points in series.values() for point in points
    )


def test_close_codes_and_error_types_beyond_their_caps_are_other():
    otel, reader = instruments()
    for code in range(3000, 3000 + MAX_CLOSE_CODES + 5):
        otel.record("WS", "close /a", None, 0, None, {"ws_kind": Kind.CLOSE, "close_code": code})
    for number in range(MAX_ERROR_TYPES + 5):
        error = type(f"Error{number}", (Exception,), {})()
        otel.record("WS", "echo", None, 0, error, {"ws_kind": Kind.REQUEST})
    series = collected(reader)
    codes = {point.attributes["close_code"]: point.value for point in series["connections_closed"]}
    assert len(codes) == MAX_CLOSE_CODES + 1 and codes[OTHER] == 5
    types = {point.attributes["error_type"]: point.value for point in series["failures"]}
    assert len(types) == MAX_ERROR_TYPES + 1 and types[OTHER] == 5
