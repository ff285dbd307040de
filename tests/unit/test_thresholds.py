"""Threshold expressions: strict parsing with readable errors, evaluation over the metrics."""

from __future__ import annotations

import pytest

from locust_ws import ConnectError, ThresholdError, WebSocketMetrics
from locust_ws.metrics.thresholds import evaluate, format_results, parse_threshold, parse_thresholds

from .test_metrics import fire


@pytest.mark.parametrize(
    ("text", "metric", "statistic", "operator", "bound", "unit"),
    [
        ("connect:p95<500ms", "connect", "p95", "<", 500.0, "ms"),
        ("fanout:p99<200ms", "fanout", "p99", "<", 200.0, "ms"),
        ("connect /rooms/[room]:p99.9 <= 1.5s", "connect /rooms/[room]", "p99.9", "<=", 1500.0, "ms"),
        ("echo:p(95)<800", "echo", "p95", "<", 800.0, "ms"),
        ("'server push':avg < 250us", "server push", "avg", "<", 0.25, "ms"),
        ("echo:failure_rate<0.5%", "echo", "failure_rate", "<", 0.005, "rate"),
        ("echo:count>=100", "echo", "count", ">=", 100.0, "count"),
        ("handshake_failure_rate<1%", "handshake_failure_rate", None, "<", 0.01, "rate"),
        ("handshake_failure_rate<0.01", "handshake_failure_rate", None, "<", 0.01, "rate"),
        ("close_code_1006<10", "close_code_1006", None, "<", 10.0, "count"),
        ("open_connections_peak>=50", "open_connections_peak", None, ">=", 50.0, "connections"),
        ("messages_in_per_s > 100/s", "messages_in_per_s", None, ">", 100.0, "per_s"),
    ],
)
def test_valid_expressions_parse(text, metric, statistic, operator, bound, unit):
    threshold = parse_threshold(text)
    assert (threshold.metric, threshold.statistic, threshold.operator, threshold.unit) == (
        metric,
        statistic,
        operator,
        unit,
    )
    assert threshold.bound == pytest.approx(bound)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("connect p95 < 500", "unknown metric 'connect p95'"),
        ("connect:p95 =< 500ms", "unknown operator (use < <= > >= == !=)"),
        ("connect:p95<fast", "expected '<metric>"),
        ("connect:p95<500hours", "unknown time unit 'hours'"),
        ("connect:p0<5", "percentile must be above 0"),
        ("connect:p101<5", "percentile must be above 0 and at most 100"),
        ("connect:median<5", "unknown statistic 'median'"),
        ("connect<500ms", "'connect' is a latency: add a statistic, e.g. 'connect:p95<500ms'"),
        ("handshake_failure_rates<1%", "unknown metric 'handshake_failure_rates': use one of"),
        ("handshake_failure_rate<5", "a rate without '%' is a fraction from 0 to 1"),
        ("close_code_1006<10ms", "close_code_1006 is a plain number, drop the unit 'ms'"),
        (":p95<5", "no metric before ':p95'"),
        ("ws_connecting:p95<500ms", "'ws_connecting' is a k6 metric; in locust-ws use connect"),
        ("ws_msgs_received>100", "in locust-ws use messages_in"),
        ("http_req_duration:p95<1000", "'POST /login:p95<1000ms'"),
    ],
)
def test_invalid_expressions_are_rejected_with_a_readable_reason(text, reason):
    with pytest.raises(ThresholdError) as raised:
        parse_threshold(text)
    assert reason in str(raised.value)
    assert repr(text) in str(raised.value)


def test_every_invalid_expression_is_reported_at_once():
    with pytest.raises(ThresholdError) as raised:
        parse_thresholds(["connect:p95<500ms", "bogus<1", "connect<1"])
    assert "'bogus<1'" in str(raised.value) and "'connect<1'" in str(raised.value)


@pytest.fixture
def metrics() -> WebSocketMetrics:
    metrics = WebSocketMetrics()
    for index in range(100):
        fire(metrics, "connect", "connect /echo", 1.0 + index / 10)  # 1.0 .. 10.9 ms
        fire(metrics, "request", "echo", 0.3, 40, sent_bytes=30)
    fire(metrics, "connect", "connect /echo", 0.5, exception=ConnectError("refused"))
    fire(metrics, "close", "close /echo", None, close_code=1006)
    return metrics


@pytest.mark.parametrize(
    ("text", "passed", "observed"),
    [
        ("connect:p95<500ms", True, pytest.approx(10.4, rel=1e-3)),
        ("connect:p50<1ms", False, pytest.approx(5.9, rel=1e-3)),
        ("echo:p99<0.31ms", True, 0.3),
        ("echo:max<=300us", True, 0.3),
        ("echo:count>=100", True, 100),
        ("connect:failure_rate<1%", True, pytest.approx(1 / 101)),
        ("handshake_failure_rate<0.5%", False, pytest.approx(1 / 101)),
        ("close_code_1006<1", False, 1),
        ("close_code_1000==0", True, 0),
        ("fanout:p99<200ms", False, None),  # no samples: a typo or a silent feature fails
    ],
)
def test_thresholds_pass_and_fail_on_the_observed_value(metrics, text, passed, observed):
    (result,) = evaluate([parse_threshold(text)], metrics)
    assert result.passed is passed
    assert result.observed == observed


def test_results_table_names_each_verdict_and_the_exit_code(metrics):
    results = evaluate(parse_thresholds(["echo:p50<1ms", "close_code_1006<1", "fanout:p99<200ms"]), metrics)
    table = format_results(results, exit_code=3)
    assert "PASS    echo:p50<1ms" in table
    assert "0.300 ms" in table
    assert "FAIL    fanout:p99<200ms" in table and "no samples" in table
    assert table.endswith("2 of 3 thresholds failed: exit code 3")
