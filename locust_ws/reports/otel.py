"""Our metrics as OpenTelemetry instruments, for Locust's ``--otel``: Grafana, an OTLP collector or a
Prometheus server see what the end-of-run reports show, while the run goes on.

Locust's ``--otel`` (``pip install locust[otel]``) builds the global ``MeterProvider`` from the
standard ``OTEL_*`` variables and records its own ``locust.client.duration`` there. ``OtelMetrics``
is a ``request`` listener beside ``WebSocketMetrics`` (``metrics.collector``): it reads the same
events by the same ``Kind`` contract (``sessions.events``) and feeds instruments on a meter:
latency histograms per kind, request type and name, the open-connections gauge, handshake, traffic,
reconnect, heartbeat, failure and close-code counters (``INSTRUMENTS`` lists them). What each kind
moves (messages, bytes, connections) follows the collector's handlers, kind by kind;
``tests/unit/test_otel_instruments.py`` feeds one event of every branch to both and holds the
counts equal. Latencies and failures are recorded as they happen; counters and the gauge are
``Tally``s, integer additions observed when the exporter collects.

Locust 2.47 accepts ``OTEL_METRICS_EXPORTER=prometheus`` but exports nothing for it (it warns
"not yet implemented"), and a provider's readers are fixed when it is built. So for ``prometheus``
``attach_otel`` builds a provider of its own with the OpenTelemetry Prometheus reader and serves it
on ``OTEL_EXPORTER_PROMETHEUS_HOST:OTEL_EXPORTER_PROMETHEUS_PORT`` (the variables of the
specification, ``localhost:9464`` by default); any other exporter listed (``otlp``, ``console``)
gets our instruments through Locust's provider.

Attributes stay bounded and secret-free: names are the request names of Locust's stats rows,
which sessions build without query strings or credentials (``redaction``); like the collector, at
most ``MAX_ROWS`` (request type, kind, name) series keep their name and further names are pooled as
``(other names)``; close codes and error types are capped the same way. Events without ``ws_kind``
cost one dictionary lookup. Nothing of OpenTelemetry is imported until ``attach_otel`` runs.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from ..metrics.collector import MAX_ROWS, OVERFLOW_NAME, SEND_BLOCKED, SEND_BLOCKED_NAME
from ..sessions.events import EventContext, Kind, request_sent_bytes

if TYPE_CHECKING:
    from locust.env import Environment
    from opentelemetry.metrics import Meter

logger = logging.getLogger(__name__)

METER_NAME = "locust_ws"
DURATION_BUCKETS_MS = (0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000)
"""Bucket bounds of the latency histograms, in milliseconds: loopback round trips to timeouts."""
MAX_CLOSE_CODES = 32
"""Distinct close codes with their own series; further ones count as ``close_code="other"``."""
MAX_ERROR_TYPES = 32
"""Distinct failure types (exception class names) with their own series; further ones are ``other``."""
OTHER = "other"
PROMETHEUS = "prometheus"
DEFAULT_PROMETHEUS_HOST = "localhost"
DEFAULT_PROMETHEUS_PORT = 9464
"""The Prometheus exporter's port of the OpenTelemetry specification."""
MISSING_PACKAGES = "locust-ws: --otel needs the OpenTelemetry SDK (pip install 'locust-ws[otel]'): {error}"

INSTRUMENTS: dict[str, tuple[str, str, str]] = {
    "duration": ("locust_ws.duration", "ms", "time of each event with one (handshake, round trip, ...)"),
    "connections_open": ("locust_ws.connections_open", "{connection}", "connections open now"),
    "handshakes": ("locust_ws.handshakes", "{handshake}", "handshakes attempted"),
    "handshake_failures": ("locust_ws.handshake_failures", "{handshake}", "handshakes that failed"),
    "messages_received": ("locust_ws.messages_received", "{message}", "messages received"),
    "messages_sent": ("locust_ws.messages_sent", "{message}", "messages sent"),
    "payload_received": ("locust_ws.payload_received", "By", "payload bytes received"),
    "payload_sent": ("locust_ws.payload_sent", "By", "payload bytes sent"),
    "reconnects": ("locust_ws.reconnects", "{reconnect}", "lost connections reopened in the background"),
    "reconnect_failures": ("locust_ws.reconnect_failures", "{reconnect}", "background reconnects given up"),
    "heartbeat_misses": ("locust_ws.heartbeat_misses", "{heartbeat}", "pings and heartbeats unanswered"),
    "failures": ("locust_ws.failures", "{failure}", "failed events of every kind"),
    "connections_closed": ("locust_ws.connections_closed", "{connection}", "connections ended, by code"),
}
"""Our instruments: key -> (OpenTelemetry name, unit, description). A Prometheus scrape shows
them as ``locust_ws_duration_milliseconds_bucket``, ``locust_ws_payload_sent_bytes_total``,
``locust_ws_connections_open`` and ``locust_ws_<key>_total``."""

KindHandler = Callable[[str, int, BaseException | None, EventContext], None]
_attached: WeakKeyDictionary[Environment, list[OtelMetrics]] = WeakKeyDictionary()


class Tally:
    """Cumulative counts by attribute set, which an asynchronous instrument observes when the
    reader collects. Counting is an integer addition; recording each message into a synchronous
    counter instead would cost the SDK's attribute checks and hashing every time (about 5 us
    per measurement, several per event)."""

    __slots__ = ("_attributes", "_observation", "_values")

    def __init__(self, observation: Callable[[int, dict[str, str]], Any]) -> None:
        self._observation = observation
        self._values: dict[Hashable, int] = {}
        self._attributes: dict[Hashable, dict[str, str]] = {}

    def add(self, key: Hashable, attributes: dict[str, str], amount: int = 1) -> None:
        """Count ``amount`` for the series ``key``, whose attributes are ``attributes``."""
        if key in self._values:
            self._values[key] += amount
        else:
            self._values[key] = amount
            self._attributes[key] = attributes

    def value(self, key: Hashable) -> int:
        """The count of series ``key`` so far (0 when it has none)."""
        return self._values.get(key, 0)

    def observe(self, _options: object) -> list[Any]:
        """The instrument's callback: one ``Observation`` per series."""
        return [self._observation(value, self._attributes[key]) for key, value in list(self._values.items())]


class OtelMetrics:
    """A ``request`` listener recording locust-ws events into the instruments of one meter.

    Latencies and failures are recorded as they happen; the counters and the gauge are tallies
    observed at collection. Counters are cumulative over the process (OpenTelemetry's way; a
    dashboard takes ``rate()``), so unlike the collector they do not restart with each test of the
    web UI."""

    def __init__(self, meter: Meter, max_names: int = MAX_ROWS) -> None:
        from opentelemetry.metrics import Observation

        self.max_names = max_names
        self.duration = meter.create_histogram(
            *INSTRUMENTS["duration"], explicit_bucket_boundaries_advisory=list(DURATION_BUCKETS_MS)
        )
        self.failures = meter.create_counter(*INSTRUMENTS["failures"])
        self.tallies = {key: Tally(Observation) for key in INSTRUMENTS if key not in ("duration", "failures")}
        """The counts of every other instrument, by its ``INSTRUMENTS`` key."""
        for key, tally in self.tallies.items():
            name, unit, description = INSTRUMENTS[key]
            create = (
                meter.create_observable_up_down_counter
                if key == "connections_open"
                else meter.create_observable_counter
            )
            create(name, callbacks=[tally.observe], unit=unit, description=description)
        tallies = self.tallies
        self._handshakes, self._handshake_failures = tallies["handshakes"], tallies["handshake_failures"]
        self._open, self._closed = tallies["connections_open"], tallies["connections_closed"]
        self._messages_sent, self._payload_sent = tallies["messages_sent"], tallies["payload_sent"]
        self._messages_received, self._payload_received = (
            tallies["messages_received"],
            tallies["payload_received"],
        )
        self._reconnects, self._reconnect_failures = tallies["reconnects"], tallies["reconnect_failures"]
        self._heartbeat_misses = tallies["heartbeat_misses"]
        # Attribute dicts are built once per series and reused: the hot path allocates none.
        self._rows: dict[tuple[str, str, str], dict[str, str]] = {}
        self._types: dict[str, dict[str, str]] = {}
        self._failure_attributes: dict[tuple[str, str, str, str], dict[str, str]] = {}
        self._error_types: set[str] = set()
        self._close_codes: dict[tuple[str, int], tuple[str, str]] = {}
        self._on_kind: dict[str, KindHandler] = {
            Kind.CONNECT: self._on_connect,
            Kind.CLOSE: self._on_close,
            Kind.SEND: self._on_send,
            Kind.REQUEST: self._on_request,
            Kind.CUT_OFF: self._on_cut_off,
            Kind.RECV: self._on_inbound,
            Kind.PUSH: self._on_inbound,
            Kind.LATE_REPLY: self._on_inbound,
            Kind.FANOUT: self._on_fanout,
            Kind.RECONNECT: self._on_reconnect,
            Kind.PING: self._on_heartbeat,
            Kind.HEARTBEAT: self._on_heartbeat,
        }

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
        """Locust ``request`` listener: one event of a locust-ws session into the instruments."""
        if not context:
            return
        kind = context.get("ws_kind")
        if kind is None:
            return
        attributes = self._rows.get((request_type, kind, name)) or self._row(request_type, kind, name)
        if response_time is not None:
            self.duration.record(response_time, attributes)
        if exception is not None:
            self.failures.add(1, self._failure(attributes, exception))
        on_kind = self._on_kind.get(kind)
        if on_kind is not None:
            on_kind(request_type, response_length or 0, exception, context)
        blocked_ms = context.get("blocked_ms")
        if blocked_ms is not None:
            self.duration.record(blocked_ms, self._row(request_type, SEND_BLOCKED, SEND_BLOCKED_NAME))

    # -- attributes, bounded --------------------------------------------------------------------

    def _row(self, request_type: str, kind: str, name: str) -> dict[str, str]:
        key = (request_type, str(kind), name)
        attributes = self._rows.get(key)
        if attributes is None:
            if len(self._rows) >= self.max_names and name != OVERFLOW_NAME:
                # the pooled series of a kind is created even when every slot is taken
                return self._row(request_type, kind, OVERFLOW_NAME)
            attributes = self._rows[key] = {"kind": key[1], "request_type": request_type, "name": name}
        return attributes

    def _by_type(self, request_type: str) -> dict[str, str]:
        attributes = self._types.get(request_type)
        if attributes is None:
            attributes = self._types[request_type] = {"request_type": request_type}
        return attributes

    def _failure(self, row: dict[str, str], exception: BaseException) -> dict[str, str]:
        error_type = type(exception).__name__
        if error_type not in self._error_types:
            if len(self._error_types) >= MAX_ERROR_TYPES:
                error_type = OTHER
            else:
                self._error_types.add(error_type)
        key = (row["request_type"], row["kind"], row["name"], error_type)
        attributes = self._failure_attributes.get(key)
        if attributes is None:
            attributes = self._failure_attributes[key] = {**row, "error_type": error_type}
        return attributes

    def _close_code(self, request_type: str, code: int) -> tuple[str, str]:
        key = self._close_codes.get((request_type, code))
        if key is None:
            label = str(code) if len(self._close_codes) < MAX_CLOSE_CODES else OTHER
            key = self._close_codes[(request_type, code)] = (request_type, label)
        return key

    # -- what each kind moves, as the collector counts it -----------------------------------------

    def _on_connect(
        self, request_type: str, length: int, exception: BaseException | None, context: EventContext
    ) -> None:
        attributes = self._by_type(request_type)
        self._handshakes.add(request_type, attributes)
        if exception is not None:
            self._handshake_failures.add(request_type, attributes)
            return
        self._open.add(request_type, attributes)

    def _on_close(
        self, request_type: str, length: int, exception: BaseException | None, context: EventContext
    ) -> None:
        if self._open.value(request_type) > 0:  # a close without its connect never goes below 0
            self._open.add(request_type, self._by_type(request_type), -1)
        code = context.get("close_code")
        if code is not None:
            key = self._close_code(request_type, code)
            self._closed.add(key, {"request_type": request_type, "close_code": key[1]})

    def _on_send(
        self, request_type: str, length: int, exception: BaseException | None, context: EventContext
    ) -> None:
        if exception is None:
            self._sent(request_type, length)

    def _on_request(
        self, request_type: str, length: int, exception: BaseException | None, context: EventContext
    ) -> None:
        sent = request_sent_bytes(context)
        if sent is not None:
            self._sent(request_type, sent)
        if length:
            self._received(request_type, length)

    def _on_cut_off(
        self, request_type: str, length: int, exception: BaseException | None, context: EventContext
    ) -> None:
        self._sent(request_type, context.get("sent_bytes") or 0)

    def _on_inbound(
        self, request_type: str, length: int, exception: BaseException | None, context: EventContext
    ) -> None:
        self._received(request_type, length)

    def _on_fanout(
        self, request_type: str, length: int, exception: BaseException | None, context: EventContext
    ) -> None:
        self._received(request_type, length)
        push = context.get("push")
        if push is not None:  # one message, two latencies: the push one on its own series
            self.duration.record(push.ms, self._row(request_type, Kind.PUSH, push.name))

    def _on_reconnect(
        self, request_type: str, length: int, exception: BaseException | None, context: EventContext
    ) -> None:
        tally = self._reconnects if exception is None else self._reconnect_failures
        tally.add(request_type, self._by_type(request_type))

    def _on_heartbeat(
        self, request_type: str, length: int, exception: BaseException | None, context: EventContext
    ) -> None:
        if exception is not None:
            self._heartbeat_misses.add(request_type, self._by_type(request_type))

    def _sent(self, request_type: str, length: int) -> None:
        attributes = self._by_type(request_type)
        self._messages_sent.add(request_type, attributes)
        self._payload_sent.add(request_type, attributes, length)

    def _received(self, request_type: str, length: int) -> None:
        attributes = self._by_type(request_type)
        self._messages_received.add(request_type, attributes)
        self._payload_received.add(request_type, attributes, length)


def metrics_exporters() -> set[str]:
    """``OTEL_METRICS_EXPORTER`` as Locust reads it: a comma-separated set, ``otlp`` by default."""
    value = os.getenv("OTEL_METRICS_EXPORTER", "otlp")
    return {exporter.strip().lower() for exporter in value.split(",") if exporter.strip()}


def attach_otel(environment: Environment, meter: Meter | None = None) -> list[OtelMetrics]:
    """Feed ``environment``'s locust-ws events into OpenTelemetry instruments, once per environment.

    With ``meter``, into that meter only (an SDK ``MeterProvider`` of your own, a test's in-memory
    reader). Without, as ``--otel`` does: into the global meter Locust set up, for the exporters of
    ``OTEL_METRICS_EXPORTER`` other than ``prometheus``, and for ``prometheus`` into a meter of its
    own served on ``OTEL_EXPORTER_PROMETHEUS_HOST:OTEL_EXPORTER_PROMETHEUS_PORT``. Missing packages
    or a port that cannot be served are one error line, and the run goes on without them."""
    attached = _attached.get(environment)
    if attached is not None:
        return attached
    try:
        meters = [meter] if meter is not None else _configured_meters()
    except ImportError as error:
        logger.error(MISSING_PACKAGES.format(error=error))
        meters = []
    attached = _attached[environment] = [OtelMetrics(each) for each in meters]
    for metrics in attached:
        environment.events.request.add_listener(metrics.record)
    return attached


def _configured_meters() -> list[Meter]:
    # The API alone would record into a no-op provider: without the SDK, say so instead.
    import opentelemetry.sdk.metrics  # noqa: F401
    from opentelemetry import metrics

    from .. import __version__

    exporters = metrics_exporters()
    meters = []
    if exporters - {PROMETHEUS, "none"}:
        meters.append(metrics.get_meter(METER_NAME, __version__))
    if PROMETHEUS in exporters:
        prometheus = _prometheus_meter(__version__)
        if prometheus is not None:
            meters.append(prometheus)
    return meters


def _prometheus_meter(version: str) -> Meter | None:
    """A meter whose provider's one reader is OpenTelemetry's Prometheus exporter, served over HTTP;
    ``None`` (and one error line) when the address cannot be served."""
    from opentelemetry.exporter.prometheus import PrometheusMetricReader
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.resources import Resource
    from prometheus_client import start_http_server

    host = os.getenv("OTEL_EXPORTER_PROMETHEUS_HOST", DEFAULT_PROMETHEUS_HOST)
    port_text = os.getenv("OTEL_EXPORTER_PROMETHEUS_PORT", str(DEFAULT_PROMETHEUS_PORT))
    try:
        start_http_server(int(port_text), addr=host)
    except (ValueError, OSError) as error:
        logger.error("locust-ws: cannot serve Prometheus metrics on %s:%s: %s", host, port_text, error)
        return None
    logger.info("locust-ws: Prometheus metrics on http://%s:%s/metrics", host, port_text)
    resource = Resource.create({"service.name": os.getenv("OTEL_SERVICE_NAME", "locust")})
    provider = MeterProvider(resource=resource, metric_readers=[PrometheusMetricReader()])
    return provider.get_meter(METER_NAME, version)
