"""k6-style pass/fail criteria for CI: ``connect:p95<500ms``, ``handshake_failure_rate<1%``.

A threshold is ``<metric>[:<statistic>] <operator> <number>[<unit>]``:

- a latency: a kind (``connect``, ``request``, ``fanout``, ``push``, ``ping``, ``close``, ``wait``,
  ``reconnect``, ``send_blocked``, ...) or a row name (``connect /echo``, ``echo``), then a
  statistic: ``p95``, ``p99.9`` (or k6's ``p(95)``), ``avg``, ``med``, ``min``, ``max`` (unit
  ``ms`` by default, ``s`` or ``us``), ``count``, ``failures`` or ``failure_rate`` (``1%`` or
  ``0.01``);
- a latency of tagged events (``tags=``), k6's syntax: a kind, then the tags in braces, then a
  statistic: ``fanout{feed:orders}:p99<200ms``, ``request{feed:orders,region:eu}:count>10``; the
  events whose tags include all of those;
- a single number from ``SCALAR_METRICS`` (``handshake_failure_rate``, ``open_connections_peak``,
  ``reconnects``, ``compression_ratio_in>2x``, ``deflate_us_per_message<50us``, ...) or
  ``close_code_<N>``;
- a series of the target's Prometheus endpoint (``--ws-server-metrics``): ``server:process_open_fds``
  (its peak), ``server:process_open_fds:leak`` (1 when it did not return to its baseline after the
  load), ``server_leaks`` (how many series did not).

Parsing is pure and strict, so bad syntax is rejected at start-up with a message that says what
is wrong, before any load is sent. Evaluation reads a ``MetricSource`` (the cluster-wide
``WebSocketMetrics`` on the master); a latency without samples fails, so a typo in a name cannot
pass silently.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from ..sessions.events import Kind, Tags, make_tags
from .collector import CLOSE_CODE_METRIC, KINDS, SCALAR_METRICS
from .histograms import format_ms
from .server_health import SERVER_PREFIX

DEFAULT_EXIT_CODE = 3
"""Process exit code when a threshold fails (Locust itself exits 1 on failures, 2 on crashes)."""

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
_EXPRESSION = re.compile(
    r"(?P<metric>.+?)\s*(?P<operator><=|>=|==|!=|<|>)\s*"
    r"(?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(?P<unit>[^\s\d.]*)",
    re.DOTALL,
)
_PERCENTILE = re.compile(r"p\(?(\d+(?:\.\d+)?)\)?")
_LATENCY_UNITS = {"": 1.0, "ms": 1.0, "s": 1000.0, "us": 0.001, "µs": 0.001}
_LATENCY_STATISTICS = ("avg", "med", "min", "max")
_COUNT_STATISTICS = ("count", "failures")
_STATISTIC_HELP = "p95, p99.9, avg, med, min, max, count, failures or failure_rate"
_TAGGED = re.compile(r"(?P<kind>[^{}]*)\{(?P<tags>[^{}]*)\}(?P<rest>[^{}]*)")
_TAG_HELP = "e.g. 'fanout{feed:orders}:p99<200ms' or 'request{feed:orders,region:eu}:count>10'"


K6_METRICS = {
    "ws_connecting": "connect (e.g. 'connect:p95<500ms')",
    "ws_session_duration": "close, or a name of a wait (e.g. 'close:p95<1s')",
    "ws_sessions": "handshakes (e.g. 'handshakes>100')",
    "ws_msgs_received": "messages_in or messages_in_per_s",
    "ws_msgs_sent": "messages_out or messages_out_per_s",
    "ws_ping": "ping (e.g. 'ping:p99<100ms')",
    "http_req_duration": "the row of Locust's stats (e.g. 'POST /login:p95<1000ms')",
    "http_req_failed": "the row's failure_rate (e.g. 'POST /login:failure_rate<1%')",
    "http_reqs": "the row's count (e.g. 'POST /login:count>10')",
    "iteration_duration": "a request or wait by name (e.g. 'echo:p95<200ms')",
    "checks": "failure_rate (every failed check is a failure entry)",
    "data_received": "bytes_in",
    "data_sent": "bytes_out",
}
"""k6's built-in metric names, refused with the locust-ws name to use: a threshold carried over from
a k6 script would otherwise judge a row that never exists and fail with ``no samples``."""


class ThresholdError(ValueError):
    """A threshold expression that cannot be understood; the message says why and how to fix it."""


class Latencies(Protocol):
    """What a latency statistic reads: a ``LatencyHistogram``, or Locust's own response times
    for its HTTP rows (``plugin``)."""

    @property
    def count(self) -> int: ...

    @property
    def min_ms(self) -> float: ...

    @property
    def max_ms(self) -> float: ...

    @property
    def avg_ms(self) -> float: ...

    def percentile_ms(self, percentile: float) -> float: ...


class LatencyRows(Protocol):
    @property
    def count(self) -> int: ...

    @property
    def failures(self) -> int: ...

    @property
    def histogram(self) -> Latencies | None: ...


class MetricSource(Protocol):
    """What thresholds read: ``WebSocketMetrics`` provides all three."""

    def select(self, selector: str) -> LatencyRows | None: ...

    def select_tagged(self, kind: str, tags: Tags) -> LatencyRows | None: ...

    def value(self, metric: str) -> float | None: ...


@dataclass(frozen=True)
class Threshold:
    """One parsed criterion; ``bound`` is in milliseconds for latencies, a fraction for rates."""

    text: str
    metric: str
    statistic: str | None
    """``p95``, ``avg``, ``failure_rate``, ...; ``None`` for a scalar metric."""
    operator: str
    bound: float
    unit: str
    """How values are shown: ``ms``, ``rate``, ``count``, ``per_s``, ``bytes``, ``connections``,
    ``ratio`` or ``us``."""
    tags: Tags = ()
    """A tag selector's tags (``fanout{feed:orders}``): the metric is then a kind."""

    def observe(self, source: MetricSource) -> float | None:
        """The metric's current value (ms, fraction or plain number); ``None`` without samples."""
        if self.statistic is None:
            return source.value(self.metric)
        rows = source.select_tagged(self.metric, self.tags) if self.tags else source.select(self.metric)
        if rows is None:
            return None
        if self.statistic == "count":
            return rows.count
        if self.statistic == "failures":
            return rows.failures
        if self.statistic == "failure_rate":
            return rows.failures / rows.count if rows.count else None
        histogram = rows.histogram
        if histogram is None or not histogram.count:
            return None
        if self.statistic == "avg":
            return histogram.avg_ms
        if self.statistic == "min":
            return histogram.min_ms
        if self.statistic == "max":
            return histogram.max_ms
        if self.statistic == "med":
            return histogram.percentile_ms(50.0)
        return histogram.percentile_ms(float(self.statistic[1:]))

    def evaluate(self, source: MetricSource) -> ThresholdResult:
        observed = self.observe(source)
        passed = observed is not None and OPERATORS[self.operator](observed, self.bound)
        return ThresholdResult(self, observed, passed)


@dataclass(frozen=True)
class ThresholdResult:
    threshold: Threshold
    observed: float | None
    passed: bool

    def observed_text(self) -> str:
        """The observed value with its unit, or ``no samples``."""
        return format_value(self.observed, self.threshold.unit)


def format_value(value: float | None, unit: str) -> str:
    """A metric value as reports show it: ``1.234 ms``, ``0.50%``, ``12``, ``41.2/s``, ``3.12x``,
    ``8.4 us``."""
    if value is None:
        return "no samples"
    if unit == "ms":
        return f"{format_ms(value)} ms"
    if unit == "rate":
        return f"{value * 100:.2f}%"
    if unit == "per_s":
        return f"{value:.1f}/s"
    if unit == "ratio":
        return f"{value:.2f}x"
    if unit == "us":
        return f"{value:.1f} us"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def parse_threshold(text: str) -> Threshold:
    """Parse one expression; raises ``ThresholdError`` with a readable reason."""
    match = _EXPRESSION.fullmatch(text.strip())
    if match is None:
        raise ThresholdError(
            f"invalid threshold {text!r}: expected '<metric>[:<statistic>] <operator> <number>[unit]', "
            "e.g. 'connect:p95<500ms' or 'handshake_failure_rate<1%' (operators: < <= > >= == !=)"
        )
    lhs = match["metric"].strip().strip("'\"")
    number = float(match["number"])
    unit = match["unit"]
    if lhs[-1] in "<>=!":
        raise ThresholdError(f"invalid threshold {text!r}: unknown operator (use < <= > >= == !=)")
    k6_name = lhs.partition(":")[0].partition("{")[0].strip()
    if k6_name in K6_METRICS:
        raise ThresholdError(
            f"invalid threshold {text!r}: {k6_name!r} is a k6 metric; in locust-ws use {K6_METRICS[k6_name]}"
        )
    if "{" in lhs or "}" in lhs:
        return _tagged_threshold(text, lhs, match["operator"], number, unit)
    if lhs.startswith(SERVER_PREFIX) or lhs == "server_leaks":
        return _server_threshold(text, lhs, match["operator"], number, unit)
    if ":" not in lhs:
        return _scalar_threshold(text, lhs, match["operator"], number, unit)
    metric, _, statistic = lhs.rpartition(":")
    metric = metric.strip().strip("'\"")
    statistic = statistic.strip().lower()
    if not metric:
        raise ThresholdError(f"invalid threshold {text!r}: no metric before ':{statistic}'")
    bound, shown_as, statistic = _statistic_bound(text, statistic, number, unit)
    return Threshold(text, metric, statistic, match["operator"], bound, shown_as)


def _tagged_threshold(text: str, lhs: str, operator_text: str, number: float, unit: str) -> Threshold:
    """``<kind>{<tag>:<value>,...}:<statistic>``: the statistic over the events of that kind whose
    tags include every one given."""
    match = _TAGGED.fullmatch(lhs)
    if match is None:
        raise ThresholdError(
            f"invalid threshold {text!r}: a tag selector is one '{{...}}' after a kind, {_TAG_HELP}"
        )
    kind = match["kind"].strip()
    if kind not in set(Kind):
        raise ThresholdError(
            f"invalid threshold {text!r}: tags select within a kind ({', '.join(Kind)}), "
            f"not {kind!r}: {_TAG_HELP}"
        )
    pairs = [pair.strip() for pair in match["tags"].split(",")]
    if not all(":" in pair for pair in pairs):
        raise ThresholdError(f"invalid threshold {text!r}: tags are '<name>:<value>' pairs, {_TAG_HELP}")
    tags: dict[str, str] = {}
    for pair in pairs:
        key, _, value = pair.partition(":")
        tags[key.strip()] = value.strip().strip("'\"")
    try:
        selected = make_tags(tags)
    except ValueError as error:
        raise ThresholdError(f"invalid threshold {text!r}: {error}") from None
    rest = match["rest"].strip()
    if not rest.startswith(":") or not rest[1:].strip():
        raise ThresholdError(f"invalid threshold {text!r}: add a statistic after the tags, {_TAG_HELP}")
    bound, shown_as, statistic = _statistic_bound(text, rest[1:].strip().lower(), number, unit)
    return Threshold(text, kind, statistic, operator_text, bound, shown_as, selected)


def _statistic_bound(text: str, statistic: str, number: float, unit: str) -> tuple[float, str, str]:
    """``(bound, unit shown, normalised statistic)`` for a latency row statistic."""
    percentile = _PERCENTILE.fullmatch(statistic)
    if percentile:
        value = float(percentile.group(1))
        if not 0 < value <= 100:
            raise ThresholdError(f"invalid threshold {text!r}: percentile must be above 0 and at most 100")
        statistic = f"p{value:g}"
    if percentile or statistic in _LATENCY_STATISTICS:
        if unit not in _LATENCY_UNITS:
            raise ThresholdError(
                f"invalid threshold {text!r}: unknown time unit {unit!r} (use ms, s or us; none means ms)"
            )
        return number * _LATENCY_UNITS[unit], "ms", statistic
    if statistic in _COUNT_STATISTICS:
        _no_unit(text, unit, statistic)
        return number, "count", statistic
    if statistic == "failure_rate":
        return _rate_bound(text, number, unit), "rate", statistic
    raise ThresholdError(
        f"invalid threshold {text!r}: unknown statistic {statistic!r} (use {_STATISTIC_HELP})"
    )


def _scalar_threshold(text: str, metric: str, operator_text: str, number: float, unit: str) -> Threshold:
    if CLOSE_CODE_METRIC.fullmatch(metric):
        _no_unit(text, unit, metric)
        return Threshold(text, metric, None, operator_text, number, "count")
    scalar = SCALAR_METRICS.get(metric)
    if scalar is None:
        hint = (
            f"{metric!r} is a latency: add a statistic, e.g. '{metric}:p95<500ms'"
            if metric in KINDS
            else f"unknown metric {metric!r}: use one of {', '.join(SCALAR_METRICS)}, close_code_<N>, "
            "or '<kind or name>:<statistic>' for a latency, e.g. 'connect:p95<500ms'"
        )
        raise ThresholdError(f"invalid threshold {text!r}: {hint}")
    if scalar.unit == "rate":
        return Threshold(text, metric, None, operator_text, _rate_bound(text, number, unit), "rate")
    if (scalar.unit, unit) in (("per_s", "/s"), ("ratio", "x"), ("us", "us")):
        unit = ""
    _no_unit(text, unit, metric)
    return Threshold(text, metric, None, operator_text, number, scalar.unit)


def _server_threshold(text: str, metric: str, operator_text: str, number: float, unit: str) -> Threshold:
    """``server:NAME`` (its peak, in the target's unit), ``server:NAME:leak`` (1 when it did not
    return to its baseline) or ``server_leaks`` (how many did not): plain numbers."""
    name, _, statistic = metric.removeprefix(SERVER_PREFIX).partition(":")
    if metric != "server_leaks" and (not name or statistic not in ("", "leak")):
        raise ThresholdError(
            f"invalid threshold {text!r}: use 'server:<series><10000' (its peak) or "
            "'server:<series>:leak<1', e.g. 'server:process_open_fds:leak<1'"
        )
    _no_unit(text, unit, metric)
    return Threshold(text, metric, None, operator_text, number, "count")


def _rate_bound(text: str, number: float, unit: str) -> float:
    if unit == "%":
        return number / 100.0
    if unit:
        raise ThresholdError(f"invalid threshold {text!r}: a rate takes '%' or no unit, not {unit!r}")
    if not 0 <= number <= 1:
        raise ThresholdError(
            f"invalid threshold {text!r}: a rate without '%' is a fraction from 0 to 1 (write 1% or 0.01)"
        )
    return number


def _no_unit(text: str, unit: str, what: str) -> None:
    if unit:
        raise ThresholdError(f"invalid threshold {text!r}: {what} is a plain number, drop the unit {unit!r}")


def parse_thresholds(texts: Iterable[str]) -> list[Threshold]:
    """Parse every expression, reporting all the invalid ones in one error."""
    thresholds, errors = [], []
    for text in texts:
        try:
            thresholds.append(parse_threshold(text))
        except ThresholdError as error:
            errors.append(str(error))
    if errors:
        raise ThresholdError("; ".join(errors))
    return thresholds


def evaluate(thresholds: Iterable[Threshold], source: MetricSource) -> list[ThresholdResult]:
    return [threshold.evaluate(source) for threshold in thresholds]


def format_results(results: list[ThresholdResult], exit_code: int) -> str:
    """The pass/fail table printed at the end of a run."""
    width = max([len("Threshold"), *(len(result.threshold.text) for result in results)])
    lines = ["locust-ws thresholds", f"{'Result':<7} {'Threshold':<{width}}  Observed"]
    lines += [
        f"{'PASS' if result.passed else 'FAIL':<7} {result.threshold.text:<{width}}  {result.observed_text()}"
        for result in results
    ]
    failed = sum(not result.passed for result in results)
    if failed:
        lines.append(f"{failed} of {len(results)} thresholds failed: exit code {exit_code}")
    else:
        lines.append(f"all {len(results)} thresholds passed")
    return "\n".join(lines)
