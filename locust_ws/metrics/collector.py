"""WebSocket metrics beyond Locust's own stats, built only from the ``request`` events sessions fire.

Every event of a locust-ws session carries its ``Kind`` as ``context["ws_kind"]``, with the keys of
``EventContext`` (``sessions/events.py``, the contract read here); ``WebSocketMetrics.record`` is a
``request`` listener that turns those events into per-row latency histograms (microsecond
HdrHistograms), the open-connections gauge (a successful ``connect`` opens one connection, its
``close`` event closes it), handshake, traffic, reconnect and heartbeat counters, close-code
counts, the time blocked in ``send`` (backpressure), what permessage-deflate saved on the wire and
cost in CPU (from the ``compression`` counts events carry), and per-second traffic for rates and
charts. Events without ``ws_kind`` (HTTP requests, other plugins) cost one dictionary lookup.

Events with ``tags`` (k6's, ``{"feed": "orders"}``) also count in a per-kind, per-tags row
(``tagged_rows``): its events, failures and latency histogram, which the summary lists as
``fanout{feed:orders}`` and thresholds select with that syntax (``select_tagged``). Untagged events
cost one more lookup (``"tags" in context``), nothing else. At most ``MAX_TAG_SETS`` distinct tags
per kind get a row; further ones are pooled into ``OTHER_TAGS``, with one warning, so a tag value
such as a user id cannot grow memory without bound.

``SCALAR_METRICS`` is the one list of single-number metrics: the store computes each from its
entry, thresholds accept its keys, and every report renders it row by row.

On a worker the store holds what happened since the last report: ``take_report`` hands it to the
master and starts afresh. The master's store ``merge_report``s every worker's report, so its
histograms and counters are the cluster's, exact to the histogram's precision. Pure data: no
sockets, no gevent, a clock passed in for tests.
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypedDict, cast

from ..sessions.events import Compression, EventContext, Kind, Tags, request_sent_bytes
from .histograms import LatencyHistogram
from .history import ChartSample, KindLatencyWindow
from .report_check import MalformedReport, check_report
from .summary_types import PERCENTILE_KEYS, TIME_KEYS, LatencyStats, WebSocketSummary
from .timeline import BYTES_IN, BYTES_OUT, MESSAGES_IN, MESSAGES_OUT, OPEN, Timeline

logger = logging.getLogger(__name__)

SEND_BLOCKED = "send_blocked"
"""The kind of the rows this module derives from the ``blocked_ms`` of send and request events:
the time each send that blocked (backpressure) spent writing its frame. No session fires it."""
SEND_BLOCKED_NAME = "send blocked"
KINDS: tuple[str, ...] = (*Kind, SEND_BLOCKED)
"""Every kind a row can have."""
MAX_ROWS = 100
"""Rows (request type, kind, name) kept with their own histogram; names beyond that are pooled
into one ``(other names)`` row per kind, so dynamic names cannot grow memory without bound."""
OVERFLOW_NAME = "(other names)"
MAX_TAG_SETS = 100
"""Distinct tags kept with their own row per kind; further ones are pooled into ``OTHER_TAGS``."""
OTHER_TAGS: Tags = (("(other tags)", ""),)
"""The tags of the row that pools every tag set beyond ``MAX_TAG_SETS`` of a kind."""
REPORT_VERSION = 1

RowKey = tuple[str, str, str]
"""``(request type, kind, name)``, e.g. ``("WS", "connect", "connect /echo")``."""
TaggedKey = tuple[str, Tags]
"""``(kind, tags)``, e.g. ``("fanout", (("feed", "orders"),))``: merged over request types and names."""


def tag_selector(kind: str, tags: Tags) -> str:
    """A tagged row as a threshold selects it, k6's syntax: ``fanout{feed:orders,region:eu}``
    (``fanout{(other tags)}`` for the pooled row)."""
    if tags == OTHER_TAGS:
        return f"{kind}{{{OTHER_TAGS[0][0]}}}"
    return kind + "{" + ",".join(f"{key}:{value}" for key, value in tags) + "}"


@dataclass(frozen=True)
class ScalarMetric:
    """A single-number metric: one entry of ``SCALAR_METRICS``, one row of every report."""

    key: str
    """What thresholds, the CSV and the JSON summary call it: ``handshake_failure_rate``."""
    label: str
    """What the console and the web UI tab call it: ``handshake failure rate``."""
    unit: str
    """``count``, ``connections``, ``bytes``, ``rate`` (a fraction, shown as %), ``per_s``,
    ``ratio`` (shown as 3.00x) or ``us`` (microseconds)."""
    meaning: str
    """One line for the HTML report."""
    derive: Callable[[WebSocketMetrics, float], float | None] | None = None
    """The value from the store and the seconds the run lasted; ``None`` for a counter: the store
    counts it under ``key``, a worker reports it and the master adds it up."""


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _per_second(total: int, duration: float) -> float | None:
    return total / duration if duration > 0 else None


def _microseconds_each(nanoseconds: int, count: int) -> float | None:
    return nanoseconds / count / 1000.0 if count else None


SCALAR_METRICS: dict[str, ScalarMetric] = {
    metric.key: metric
    for metric in (
        ScalarMetric(
            "open_connections",
            "open connections",
            "connections",
            "connections open now",
            lambda metrics, _: metrics.open_connections,
        ),
        ScalarMetric(
            "open_connections_peak",
            "peak open connections",
            "connections",
            "most connections open at once",
            lambda metrics, _: metrics.peak_open_connections,
        ),
        ScalarMetric("handshakes", "handshakes", "count", "handshakes attempted"),
        ScalarMetric(
            "handshakes_succeeded",
            "handshakes succeeded",
            "count",
            "handshakes that opened a connection",
            lambda metrics, _: metrics.handshakes - metrics.handshake_failures,
        ),
        ScalarMetric(
            "handshake_failures",
            "handshake failures",
            "count",
            "handshakes that failed (refused, timed out, ...)",
        ),
        ScalarMetric(
            "handshake_failure_rate",
            "handshake failure rate",
            "rate",
            "handshake_failures / handshakes",
            lambda metrics, _: _ratio(metrics.handshake_failures, metrics.handshakes),
        ),
        ScalarMetric(
            "namespaces_joined",
            "namespaces joined",
            "count",
            "Socket.IO namespaces the server accepted (one connection carries several)",
        ),
        ScalarMetric(
            "namespace_failures",
            "namespace failures",
            "count",
            "Socket.IO namespaces refused or unanswered",
        ),
        ScalarMetric("messages_in", "messages in", "count", "messages received: replies, pushes, broadcasts"),
        ScalarMetric("messages_out", "messages out", "count", "messages sent: send() and request() frames"),
        ScalarMetric("bytes_in", "bytes in", "bytes", "payload bytes received"),
        ScalarMetric("bytes_out", "bytes out", "bytes", "payload bytes sent"),
        ScalarMetric(
            "messages_in_per_s",
            "messages in, run average",
            "per_s",
            "messages received per second, run average",
            lambda metrics, duration: _per_second(metrics.messages_in, duration),
        ),
        ScalarMetric(
            "messages_out_per_s",
            "messages out, run average",
            "per_s",
            "messages sent per second, run average",
            lambda metrics, duration: _per_second(metrics.messages_out, duration),
        ),
        ScalarMetric(
            "bytes_in_per_s",
            "bytes in, run average",
            "per_s",
            "payload bytes received per second, run average",
            lambda metrics, duration: _per_second(metrics.bytes_in, duration),
        ),
        ScalarMetric(
            "bytes_out_per_s",
            "bytes out, run average",
            "per_s",
            "payload bytes sent per second, run average",
            lambda metrics, duration: _per_second(metrics.bytes_out, duration),
        ),
        ScalarMetric(
            "wire_bytes_in",
            "wire bytes in",
            "bytes",
            "bytes in as they crossed the wire: compressed messages at their compressed size",
            lambda metrics, _: metrics.bytes_in - metrics.deflate_payload_in + metrics.deflate_wire_in,
        ),
        ScalarMetric(
            "wire_bytes_out",
            "wire bytes out",
            "bytes",
            "bytes out as they crossed the wire: compressed messages at their compressed size",
            lambda metrics, _: metrics.bytes_out - metrics.deflate_payload_out + metrics.deflate_wire_out,
        ),
        ScalarMetric(
            "compressed_messages_in",
            "compressed messages in",
            "count",
            "messages received compressed (permessage-deflate) and inflated",
        ),
        ScalarMetric(
            "compressed_messages_out",
            "compressed messages out",
            "count",
            "messages compressed (permessage-deflate) and sent",
        ),
        ScalarMetric(
            "compression_ratio_in",
            "compression ratio in",
            "ratio",
            "payload / wire bytes of the compressed messages received (3: a third of the size)",
            lambda metrics, _: _ratio(metrics.deflate_payload_in, metrics.deflate_wire_in),
        ),
        ScalarMetric(
            "compression_ratio_out",
            "compression ratio out",
            "ratio",
            "payload / wire bytes of the compressed messages sent",
            lambda metrics, _: _ratio(metrics.deflate_payload_out, metrics.deflate_wire_out),
        ),
        ScalarMetric(
            "inflate_us_per_message",
            "inflate CPU per message",
            "us",
            "CPU microseconds zlib spent inflating each compressed message received",
            lambda metrics, _: _microseconds_each(metrics.deflate_inflate_ns, metrics.compressed_messages_in),
        ),
        ScalarMetric(
            "deflate_us_per_message",
            "deflate CPU per message",
            "us",
            "CPU microseconds zlib spent compressing each message sent",
            lambda metrics, _: _microseconds_each(
                metrics.deflate_deflate_ns, metrics.compressed_messages_out
            ),
        ),
        ScalarMetric("reconnects", "reconnects", "count", "lost connections reopened in the background"),
        ScalarMetric(
            "reconnect_failures", "reconnects given up", "count", "background reconnects that gave up"
        ),
        ScalarMetric(
            "heartbeat_misses", "heartbeat misses", "count", "heartbeats (pings) without an answer in time"
        ),
        ScalarMetric(
            "late_replies", "late replies", "count", "replies that came after their request timed out"
        ),
        ScalarMetric(
            "requests_cut_off",
            "requests cut off",
            "count",
            "requests sent whose user was stopped before a reply that then never came",
        ),
        ScalarMetric(
            "closed_while_reconnecting",
            "closed while reconnecting",
            "connections",
            "connections closed while down and being reopened (users stopped mid-backoff)",
        ),
        ScalarMetric("failures", "failures", "count", "failure entries of WebSocket/Socket.IO rows"),
        ScalarMetric(
            "failure_rate",
            "failure rate",
            "rate",
            "failures / events of WebSocket/Socket.IO rows",
            lambda metrics, _: _ratio(metrics.failures, metrics.events),
        ),
    )
}
DEFLATE_COUNTERS = (
    "deflate_payload_in",
    "deflate_wire_in",
    "deflate_inflate_ns",
    "deflate_payload_out",
    "deflate_wire_out",
    "deflate_deflate_ns",
)
"""The ``compression`` sums the compression metrics derive from (bytes, CPU nanoseconds)."""
COUNTERS: tuple[str, ...] = (
    "events",
    *DEFLATE_COUNTERS,
    *(metric.key for metric in SCALAR_METRICS.values() if not metric.derive),
)
"""What the store counts, and a worker's report carries: ``events`` (of locust-ws sessions, the
``failure_rate`` denominator), the compression sums, then the counter metrics."""
CLOSE_CODE_METRIC = re.compile(r"close_code_(\d{1,5})")
"""``close_code_1006``: how many connections ended with that close code (a count)."""


class WorkerReport(TypedDict):
    """What a worker sends the master with every Locust report (``take_report``), msgpack-ready."""

    version: int
    rows: list[list[Any]]
    """``[request type, kind, name, count, failures, encoded histogram or None]``"""
    counters: dict[str, int]
    """Every one of ``COUNTERS``."""
    close_codes: list[list[int]]
    """``[code, count]`` pairs: msgpack keeps no integer keys across the wire."""
    traffic: list[list[int]]
    open: int
    peak: int
    tagged: list[list[Any]]
    """``[kind, [[tag, value], ...], count, failures, encoded histogram or None]``"""


class Row:
    """One (request type, kind, name) row: every event counts; events with a response time are
    samples in its histogram (failures included, as in Locust's own percentiles)."""

    __slots__ = ("count", "failures", "histogram")

    def __init__(self) -> None:
        self.count = 0
        self.failures = 0
        self.histogram: LatencyHistogram | None = None

    def record_ms(self, milliseconds: float) -> None:
        histogram = self.histogram
        if histogram is None:
            histogram = self.histogram = LatencyHistogram()
        histogram.record_ms(milliseconds)

    def add(self, count: int, failures: int, histogram: LatencyHistogram | None) -> None:
        self.count += count
        self.failures += failures
        if histogram is not None and histogram.count:
            if self.histogram is None:
                self.histogram = LatencyHistogram()
            self.histogram.merge(histogram)

    @classmethod
    def merged(cls, rows: list[Row]) -> Row | None:
        """One row adding up ``rows``; ``None`` when there are none."""
        if not rows:
            return None
        total = cls()
        for row in rows:
            total.add(row.count, row.failures, row.histogram)
        return total


@dataclass
class WorkerGauge:
    """A worker's open connections in its latest report, and the most it ever reported."""

    label: str
    open: int = 0
    peak: int = 0
    missing: bool = False
    """Locust lost the worker (no heartbeat): its connections no longer count as open."""


KindHandler = Callable[[str, int, BaseException | None, EventContext], None]
"""What a kind adds to the counters: ``(request type, response length, exception, context)``."""


class WebSocketMetrics:
    """The metrics of one process (or, on a master, of the whole cluster)."""

    # The counters (COUNTERS), zeroed by reset(); declared here for readers and type checkers.
    events: int
    failures: int
    handshakes: int
    handshake_failures: int
    namespaces_joined: int
    namespace_failures: int
    messages_in: int
    messages_out: int
    bytes_in: int
    bytes_out: int
    reconnects: int
    reconnect_failures: int
    heartbeat_misses: int
    late_replies: int
    requests_cut_off: int
    closed_while_reconnecting: int
    compressed_messages_in: int
    compressed_messages_out: int
    deflate_payload_in: int
    deflate_wire_in: int
    deflate_inflate_ns: int
    deflate_payload_out: int
    deflate_wire_out: int
    deflate_deflate_ns: int

    def __init__(
        self,
        clock: Callable[[], float] = time.time,
        max_rows: int = MAX_ROWS,
        max_tag_sets: int = MAX_TAG_SETS,
    ) -> None:
        self._clock = clock
        self.max_rows = max_rows
        self.max_tag_sets = max_tag_sets
        self.open_connections: int = 0
        """Connections open now: on a master, the sum of every worker's latest report."""
        self.peak_open_connections: int = 0
        self.workers: dict[str, WorkerGauge] = {}
        """Master only: client id -> that worker's gauge."""
        self._rejected_workers: set[str] = set()  # whose malformed report was logged
        self.chart_latency: KindLatencyWindow | None = None
        """Set where the run is charted (a master or single process, not a worker): the recent
        latency per kind that ``chart_sample`` reads."""
        self._on_kind: dict[str, KindHandler] = {
            Kind.CONNECT: self._on_connect,
            Kind.CLOSE: self._on_close,
            Kind.SEND: self._on_send,
            Kind.REQUEST: self._on_request,
            Kind.RECV: self._on_inbound,
            Kind.FANOUT: self._on_fanout,
            Kind.PUSH: self._on_inbound,
            Kind.NAMESPACE: self._on_namespace,
            Kind.LATE_REPLY: self._on_late_reply,
            Kind.RECONNECT: self._on_reconnect,
            Kind.PING: self._on_heartbeat,
            Kind.HEARTBEAT: self._on_heartbeat,
            Kind.CUT_OFF: self._on_cut_off,
            Kind.CLOSED_RECONNECTING: self._on_closed_reconnecting,
        }
        self.reset()

    def reset(self) -> None:
        """Forget every counter, histogram and rate (a new test, or Locust's stats reset); the
        open-connections gauge is live state and stays, and the peak restarts from it."""
        self.rows: dict[RowKey, Row] = {}
        self._blocked_rows: dict[str, Row] = {}  # request type -> its send-blocked row
        self._overflowed = False
        self.tagged_rows: dict[TaggedKey, Row] = {}
        """Events with ``tags``, by kind and tags (``tag_selector``)."""
        self._tag_sets: Counter[str] = Counter()  # kind -> its tag sets with a row of their own
        self._tags_overflowed: set[str] = set()  # kinds whose pooling was warned about
        for counter in COUNTERS:
            setattr(self, counter, 0)
        self.close_codes: Counter[int] = Counter()
        self.timeline = Timeline()
        self._second: int | None = None
        self._bucket: list[Any] = []
        self.peak_open_connections = self.open_connections
        for worker in self.workers.values():
            worker.peak = worker.open
        self.started_at = self._clock()
        self.stopped_at: float | None = None

    def stop(self) -> None:
        """The test stopped: run averages divide by the time until now, not until they are read."""
        self.stopped_at = self._clock()

    # -- the request listener (hot path) ----------------------------------------------------

    def record(
        self,
        request_type: str,
        name: str,
        response_time: float | None,
        response_length: int | None,
        exception: BaseException | None = None,
        context: EventContext | None = None,
        **_kwargs: Any,
    ) -> None:
        """Locust ``request`` listener: account one event of a locust-ws session (one whose
        ``context`` has a ``ws_kind``; Locust passes every other event too)."""
        if not context:
            return
        kind = context.get("ws_kind")
        if kind is None:
            return
        row = self.rows.get((request_type, kind, name))
        if row is None:
            row = self._new_row(request_type, kind, name)
        row.count += 1
        self.events += 1
        if exception is not None:
            row.failures += 1
            self.failures += 1
        if response_time is not None:
            histogram = row.histogram
            if histogram is None:
                histogram = row.histogram = LatencyHistogram()
            histogram.record_ms(response_time)
            window = self.chart_latency
            if window is not None:
                window.record_ms(kind, response_time)
        if "compression" in context:
            self._compressed(context["compression"])
        if "tags" in context:
            self._tagged(kind, context["tags"], exception, response_time)
        on_kind = self._on_kind.get(kind)
        if on_kind is not None:
            on_kind(request_type, response_length or 0, exception, context)

    def _new_row(self, request_type: str, kind: str, name: str) -> Row:
        if len(self.rows) >= self.max_rows:
            if not self._overflowed:
                self._overflowed = True
                logger.warning(
                    "locust-ws keeps latency histograms for %d row names; further names are pooled "
                    "as %r per kind (use name= to group dynamic names)",
                    self.max_rows,
                    OVERFLOW_NAME,
                )
            name = OVERFLOW_NAME
        return self.rows.setdefault((request_type, kind, name), Row())

    def _tagged(
        self, kind: str, tags: Tags, exception: BaseException | None, response_time: float | None
    ) -> None:
        row = self.tagged_rows.get((kind, tags))
        if row is None:
            row = self._new_tagged_row(kind, tags)
        row.count += 1
        if exception is not None:
            row.failures += 1
        if response_time is not None:
            row.record_ms(response_time)

    def _new_tagged_row(self, kind: str, tags: Tags) -> Row:
        if tags != OTHER_TAGS and self._tag_sets[kind] >= self.max_tag_sets:
            if kind not in self._tags_overflowed:
                self._tags_overflowed.add(kind)
                logger.warning(
                    "locust-ws keeps per-tag rows for %d distinct tags of %s events; further tags are "
                    "pooled as %s (a tag whose values are unbounded, such as a user id, splits nothing)",
                    self.max_tag_sets,
                    kind,
                    tag_selector(kind, OTHER_TAGS),
                )
            tags = OTHER_TAGS
        row = self.tagged_rows.get((kind, tags))
        if row is None:
            row = self.tagged_rows[(kind, tags)] = Row()
            if tags != OTHER_TAGS:
                self._tag_sets[kind] += 1
        return row

    def _traffic_bucket(self) -> list[Any]:
        second = int(self._clock())
        if second != self._second:
            self._second = second
            self._bucket = self.timeline.bucket(second)
        return self._bucket

    def _gauge_moved(self) -> None:
        if self.open_connections > self.peak_open_connections:
            self.peak_open_connections = self.open_connections
        self._traffic_bucket()[OPEN] = self.open_connections

    def _on_connect(
        self, request_type: str, length: int, exception: BaseException | None, context: EventContext
    ) -> None:
        self.handshakes += 1
        if exception is not None:
            self.handshake_failures += 1
            return
        self.open_connections += 1
        self._gauge_moved()

    def _on_close(
        self, request_type: str, length: int, exception: BaseException | None, context: EventContext
    ) -> None:
        if self.open_connections > 0:
            self.open_connections -= 1
        self._gauge_moved()
        code = context.get("close_code")
        if code is not None:
            self.close_codes[code] += 1

    def _on_send(
        self, request_type: str, length: int, exception: BaseException | None, context: EventContext
    ) -> None:
        if exception is None:
            self._sent(length)
        self._send_blocked(request_type, context)

    def _on_request(
        self, request_type: str, length: int, exception: BaseException | None, context: EventContext
    ) -> None:
        sent = request_sent_bytes(context)
        if sent is not None:
            self._sent(sent)
        if length:
            self._received(length)
        if "blocked_ms" in context:
            self._send_blocked(request_type, context)

    def _on_cut_off(
        self, request_type: str, length: int, exception: BaseException | None, context: EventContext
    ) -> None:
        self.requests_cut_off += 1
        self._sent(context.get("sent_bytes") or 0)
        self._send_blocked(request_type, context)

    def _on_closed_reconnecting(
        self, request_type: str, length: int, exception: BaseException | None, context: EventContext
    ) -> None:
        self.closed_while_reconnecting += 1

    def _on_inbound(
        self, request_type: str, length: int, exception: BaseException | None, context: EventContext
    ) -> None:
        self._received(length)

    def _on_fanout(
        self, request_type: str, length: int, exception: BaseException | None, context: EventContext
    ) -> None:
        self._received(length)
        push = context.get("push")
        if push is not None:  # one message, two latencies: its push one goes to the push row here
            key = (request_type, Kind.PUSH, push.name)
            row = self.rows.get(key) or self._new_row(*key)
            row.count += 1
            row.record_ms(push.ms)

    def _on_namespace(
        self, request_type: str, length: int, exception: BaseException | None, context: EventContext
    ) -> None:
        if exception is None:
            self.namespaces_joined += 1
        else:
            self.namespace_failures += 1

    def _on_late_reply(
        self, request_type: str, length: int, exception: BaseException | None, context: EventContext
    ) -> None:
        self.late_replies += 1
        self._received(length)

    def _on_reconnect(
        self, request_type: str, length: int, exception: BaseException | None, context: EventContext
    ) -> None:
        if exception is None:
            self.reconnects += 1
        else:
            self.reconnect_failures += 1

    def _on_heartbeat(
        self, request_type: str, length: int, exception: BaseException | None, context: EventContext
    ) -> None:
        if exception is not None:
            self.heartbeat_misses += 1

    def _sent(self, length: int) -> None:
        self.messages_out += 1
        self.bytes_out += length
        bucket = self._traffic_bucket()
        bucket[MESSAGES_OUT] += 1
        bucket[BYTES_OUT] += length

    def _received(self, length: int) -> None:
        self.messages_in += 1
        self.bytes_in += length
        bucket = self._traffic_bucket()
        bucket[MESSAGES_IN] += 1
        bucket[BYTES_IN] += length

    def _compressed(self, counts: Compression) -> None:
        """What permessage-deflate did since the session's previous event (any kind)."""
        self.compressed_messages_in += counts.messages_in
        self.deflate_payload_in += counts.payload_in
        self.deflate_wire_in += counts.wire_in
        self.deflate_inflate_ns += counts.inflate_ns
        self.compressed_messages_out += counts.messages_out
        self.deflate_payload_out += counts.payload_out
        self.deflate_wire_out += counts.wire_out
        self.deflate_deflate_ns += counts.deflate_ns

    def _send_blocked(self, request_type: str, context: EventContext) -> None:
        blocked_ms = context.get("blocked_ms")
        if blocked_ms is not None:
            row = self._blocked_rows.get(request_type)
            if row is None:
                row = self._blocked_rows[request_type] = self._new_row(
                    request_type, SEND_BLOCKED, SEND_BLOCKED_NAME
                )
            row.count += 1
            row.record_ms(blocked_ms)

    # -- worker -> master ------------------------------------------------------------------

    def take_report(self) -> WorkerReport:
        """Everything recorded since the last report, msgpack-ready, for ``report_to_master``;
        the store then starts afresh (the gauge stays, the peak restarts from it)."""
        report: WorkerReport = {
            "version": REPORT_VERSION,
            "rows": [[*key, row.count, row.failures, _wire(row)] for key, row in self.rows.items()],
            "counters": {counter: getattr(self, counter) for counter in COUNTERS},
            "close_codes": [[code, count] for code, count in self.close_codes.items()],
            "traffic": self.timeline.to_wire(),
            "open": self.open_connections,
            "peak": self.peak_open_connections,
            "tagged": [
                [
                    kind,
                    [list(pair) for pair in tags],
                    row.count,
                    row.failures,
                    row.histogram.to_wire() if row.histogram else None,
                ]
                for (kind, tags), row in self.tagged_rows.items()
            ],
        }
        self.reset()
        return report

    def merge_report(self, worker_id: str, label: str, report: WorkerReport | Any) -> bool:
        """Add a worker's report (``take_report``) to this cluster-wide store; False when it was
        malformed (``report_check``) and dropped whole, logged once per worker."""
        try:
            checked = check_report(report, REPORT_VERSION, COUNTERS)
        except MalformedReport as error:
            if worker_id not in self._rejected_workers:
                self._rejected_workers.add(worker_id)
                logger.warning(
                    "locust-ws: ignoring a malformed report from %s (said once per worker): %s", label, error
                )
            return False
        for row in checked.rows:
            key = (row.request_type, row.kind, row.name)
            (self.rows.get(key) or self._new_row(*key)).add(row.count, row.failures, row.histogram)
            if self.chart_latency is not None and row.histogram is not None:
                self.chart_latency.merge(row.kind, row.histogram)
        for tagged in checked.tagged:
            tagged_key = (tagged.kind, tagged.tags)
            (self.tagged_rows.get(tagged_key) or self._new_tagged_row(*tagged_key)).add(
                tagged.count, tagged.failures, tagged.histogram
            )
        for counter, value in checked.counters.items():
            setattr(self, counter, getattr(self, counter) + value)
        for code, count in checked.close_codes:
            self.close_codes[code] += count
        self.timeline.add_wire(checked.traffic)
        self._second = None  # merging may have re-bucketed the timeline
        gauge = self.workers.setdefault(worker_id, WorkerGauge(label))
        gauge.missing = False  # reporting again
        gauge.open = checked.open
        gauge.peak = max(gauge.peak, checked.peak)
        self.open_connections = sum(worker.open for worker in self.workers.values())
        self._gauge_moved()
        return True

    def worker_missing(self, worker_id: str) -> None:
        """Locust marked this worker missing: the connections of its last report went with it, so
        the cluster's open-connections gauge must not keep counting them."""
        gauge = self.workers.get(worker_id)
        if gauge is None or gauge.missing:
            return
        gauge.missing, gauge.open = True, 0
        self.open_connections = sum(worker.open for worker in self.workers.values())
        self._gauge_moved()

    # -- reading -----------------------------------------------------------------------------

    def select(self, selector: str) -> Row | None:
        """The rows of one kind (``connect``) or else of one name (``connect /echo``), merged over
        request types; ``None`` when nothing matches."""
        field = 1 if selector in KINDS else 2
        return Row.merged([row for key, row in self.rows.items() if key[field] == selector])

    def select_tagged(self, kind: str, tags: Tags) -> Row | None:
        """The rows of ``kind`` whose tags include every one of ``tags`` (k6's
        ``fanout{feed:orders}``), merged; ``None`` when nothing matches. The pooled
        ``OTHER_TAGS`` row matches no selector."""
        wanted = set(tags)
        return Row.merged(
            [
                row
                for (row_kind, row_tags), row in self.tagged_rows.items()
                if row_kind == kind and row_tags != OTHER_TAGS and wanted <= set(row_tags)
            ]
        )

    def duration(self, now: float | None = None) -> float:
        """Seconds since the test started (until it stopped, once it has)."""
        end = self.stopped_at
        if end is None:
            end = self._clock() if now is None else now
        return max(end - self.started_at, 0.0)

    def scalars(self, now: float | None = None) -> dict[str, float | None]:
        """Every ``SCALAR_METRICS`` value by key; rates of nothing (no handshakes yet) are ``None``."""
        duration = self.duration(now)
        return {
            key: metric.derive(self, duration) if metric.derive else getattr(self, key)
            for key, metric in SCALAR_METRICS.items()
        }

    def value(self, metric: str) -> float | None:
        """One scalar metric (``SCALAR_METRICS`` or ``close_code_<N>``) by name."""
        close_code = CLOSE_CODE_METRIC.fullmatch(metric)
        if close_code:
            return self.close_codes.get(int(close_code.group(1)), 0)
        return self.scalars()[metric]

    def chart_sample(self, now: float | None = None) -> ChartSample:
        """What the charts show now; starts the next latency window (``chart_latency`` must be set)."""
        now = self._clock() if now is None else now
        assert self.chart_latency is not None, "chart_sample() needs chart_latency"
        return ChartSample(
            time=now,
            open_connections=self.open_connections,
            workers={worker.label: worker.open for worker in self.workers.values()},
            rates=self.timeline.rates(now),
            latency=self.chart_latency.roll(),
        )

    def summary(self, now: float | None = None) -> WebSocketSummary:
        """Everything, JSON-ready: what the console table, CSV, JSON file, HTML section and the
        web UI tab show. Times in milliseconds, rates as fractions, per-second values as floats."""
        now = self._clock() if now is None else now
        rates = self.timeline.rates(now)
        by_kind: dict[str, Row] = {}
        for (_, kind, _), row in self.rows.items():
            by_kind.setdefault(kind, Row()).add(row.count, row.failures, row.histogram)
        return {
            "duration_s": round(self.duration(now), 3),
            "metrics": self.scalars(now),
            "current": {
                "messages_in_per_s": rates[MESSAGES_IN],
                "messages_out_per_s": rates[MESSAGES_OUT],
                "bytes_in_per_s": rates[BYTES_IN],
                "bytes_out_per_s": rates[BYTES_OUT],
            },
            "workers": [
                {
                    "worker": worker.label,
                    "open_connections": worker.open,
                    "open_connections_peak": worker.peak,
                    "missing": worker.missing,
                }
                # by label ("worker 2" before "worker 10"), not by whose report came first
                for worker in sorted(self.workers.values(), key=lambda gauge: (len(gauge.label), gauge.label))
            ],
            "close_codes": {str(code): count for code, count in sorted(self.close_codes.items())},
            "latency": [
                {"type": request_type, "kind": kind, "name": name, **_row_summary(row)}
                for (request_type, kind, name), row in sorted(self.rows.items())
            ],
            "latency_by_kind": [
                {"kind": kind, **_row_summary(row)}
                for kind, row in sorted(by_kind.items())
                if row.histogram is not None
            ],
            "latency_by_tag": [
                {"kind": kind, "tags": dict(tags), "selector": tag_selector(kind, tags), **_row_summary(row)}
                for (kind, tags), row in sorted(self.tagged_rows.items())
            ],
            "timeline": {"width_s": self.timeline.width, "points": self.timeline.points()},
        }


def _wire(row: Row) -> list[str | int] | None:
    return row.histogram.to_wire() if row.histogram else None


def _row_summary(row: Row) -> LatencyStats:
    histogram = row.histogram
    summary: dict[str, Any] = {
        "count": row.count,
        "failures": row.failures,
        "samples": histogram.count if histogram else 0,
    }
    if histogram is None or not histogram.count:
        summary.update(dict.fromkeys(TIME_KEYS))
    else:
        stats = histogram.stats()
        summary["min_ms"], summary["avg_ms"] = stats.min_ms, round(stats.avg_ms, 3)
        summary.update(zip(PERCENTILE_KEYS, stats.percentiles_ms.values(), strict=True))
        summary["max_ms"] = stats.max_ms
    # The percentile keys are built, not written out: TIME_KEYS holds them to LatencyStats's.
    return cast("LatencyStats", summary)
