"""``WebSocketConnection``: one WebSocket connection with its reading (``transport/reading.py``: no
greenlet of its own while idle), heartbeat, close handshake and background reconnect, and the
reporting of all of that.

It knows nothing about what the frames mean. Protocol sessions subclass it: ``WebSocketSession``
(JSON messages, correlation ids) and ``SocketIOSession`` (Socket.IO packets, over the Engine.IO
client it has). They plug in through these hooks, and no other method is overridden:

- ``_on_data`` receives every complete data frame, in the reader greenlet (required);
- ``_on_open`` runs the protocol's own handshake on top of the transport's, on every reconnect too;
- ``_create_connection`` opens the transport (default: a WebSocket);
- ``_start_heartbeat`` starts the connection's liveness check (default: WebSocket pings);
- ``_report_connect`` and ``_report_close`` name the rows that open and end a connection.

A protocol may also end the connection itself without a close row (``_close_quietly``, when it
has reported the end already) and keep it down until the next ``connect`` (``_give_up``, when
reopening cannot help). What a client had set up on a connection (subscriptions, rooms) is the
locustfile's: ``on_connect`` hooks replay it after every reconnect, in the reconnect greenlet
(never the reader, so they may wait for replies), before the calls waiting for the connection go
on. Every measurement leaves as a Locust ``request`` event through ``Reporter``, with
``request_type`` set by the subclass.
"""

from __future__ import annotations

import contextlib
import functools
import socket
import uuid
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from time import perf_counter
from typing import Any, NamedTuple, TypeVar

import gevent
import websocket
from gevent.event import AsyncResult
from gevent.hub import Waiter, get_hub
from locust.event import EventHook

from ..errors import (
    CloseTimeout,
    ConnectError,
    ConnectionClosed,
    ConnectTimeout,
    HandshakeRejected,
    InvalidURL,
    NotConnected,
    PayloadError,
    PongTimeout,
    ReplyTimeout,
    ResubscribeError,
    WaitTimeout,
)
from ..patterns.backoff import Backoff
from ..patterns.pacing import ReceivePacer
from ..protocol.codes import NORMAL_CLOSURES, RECONNECT_CLOSE_CODES, CloseCode
from ..protocol.connection import Closed, Event, Initiator, InvalidState, Message, Pong
from ..protocol.deflate import CompressionSetting, deflate_options
from ..protocol.messages import ExpiredIds, stamped_latencies
from ..protocol.urls import display_path, ws_url
from ..redaction import connection_secrets
from ..transport import heartbeats
from ..transport.reading import Reading
from ..transport.sources import source_failure
from ..transport.wire import HandshakeTimeout, SendTimeout, Transport, describe_error, open_websocket
from .dispatch import HandlerDispatcher
from .events import EventContext, Kind, Push, Tags
from .replies import CaughtReply, Reply
from .reporter import Reporter

_Encoded = TypeVar("_Encoded")

Predicate = Callable[[Any], bool]
ConnectHook = Callable[[], None]
_Arrival = tuple[Any, float, int]
"""A message as handed to a waiting task: the message, its ``perf_counter()`` arrival time, its bytes."""

_ABNORMAL = CloseCode.ABNORMAL
NOT_CONNECTED_PAUSE_S = 1.0
"""Seconds a call on a connection that is down for good (no reconnect coming) waits before it
fails: with ``wait_time = constant(0)`` a dead server would otherwise cost a core in failures."""
FANOUT_ROW = "fanout"
SERVER_PUSH_ROW = "server push"
SLOW_READER_PUSH_ROW = "server push (slow reader)"
"""The push-latency row of sessions with a ``receive_rate``: their receive lag."""


DEFAULT_MAX_MESSAGE_SIZE = 16 * 1024 * 1024


MAX_CUT_OFF = 10_000
"""Round trips cut off on one connection whose reply is still awaited; beyond that the oldest is
reported as cut off at once (a locustfile that abandons requests the server never answers)."""

_EXPIRED = object()


class _ReplySlot:
    """Where the reader hands one round trip its answer (or a ``ConnectionClosed``): gevent's
    ``Waiter``, woken by a loop callback, with a bare libev timer for the timeout. Same contract
    as the ``AsyncResult`` the other waits use, minus its link list and its ``Timeout`` object:
    about 4 us less per round trip. ``answer`` keeps the answer for a caller stopped before the
    callback ran."""

    __slots__ = ("_waiter", "answer")

    def __init__(self) -> None:
        self._waiter: Waiter[Any] = Waiter()
        self.answer: Any = None

    def set(self, value: Any) -> None:
        self.answer = value
        get_hub().loop.run_callback(self._waiter.switch, value)

    def set_exception(self, error: BaseException) -> None:
        get_hub().loop.run_callback(self._waiter.throw, error)

    def get(self, timeout: float) -> Any:
        """The answer, or ``_EXPIRED`` after ``timeout`` seconds."""
        timer = get_hub().loop.timer(timeout)
        timer.start(self._waiter.switch, _EXPIRED, update=True)
        try:
            return self._waiter.get()
        finally:
            timer.close()


class _CutOff(NamedTuple):
    """A round trip whose caller stopped waiting after its request left: its user was stopped (a
    ``-t`` run ending, a ramp-down) or its own ``gevent.Timeout`` fired. The reader still reports
    it when the reply comes; if the connection ends first, it is reported as cut off."""

    reply: Reply
    started: float
    context: dict[str, Any]


class WebSocketConnection:
    """The protocol-independent part of a session; not used directly."""

    # Slots, not a dict: an idle connection is mostly its session object, and a 53-key instance
    # dict is 1.5 KiB of it. Protocol sessions add theirs, with a __dict__ for the locustfile's own.
    __slots__ = (
        "_awaiting_pong",
        "_closing",
        "_connect_args",
        "_connect_hooks",
        "_connect_name",
        "_cut_off",
        "_expired",
        "_given_up",
        "_handler_jobs",
        "_heartbeat",
        "_label",
        "_next_ping",
        "_opening",
        "_pacer",
        "_pending",
        "_ping_sequence",
        "_reader",
        "_reconnector",
        "_report",
        "_waiters",
        "_ws",
        "backoff",
        "base_url",
        "bytes_in",
        "bytes_out",
        "client_id",
        "client_ts_key",
        "close_code",
        "close_reason",
        "close_timeout",
        "compression",
        "connect_gate",
        "connect_timeout",
        "extensions",
        "late_replies",
        "max_message_size",
        "max_receive_lag_ms",
        "messages_in",
        "messages_out",
        "path",
        "ping_interval",
        "pong_timeout",
        "receive_buffer",
        "receive_lag_ms",
        "receive_rate",
        "reconnect_close_codes",
        "reply_timeout",
        "sender_key",
        "server_ts_key",
        "skip_utf8_validation",
        "source_address",
        "sslopt",
        "user",
    )

    request_type = "WS"

    def __init__(
        self,
        base_url: str | None,
        request_event: EventHook,
        user: Any = None,
        *,
        connect_timeout: float = 10.0,
        reply_timeout: float = 5.0,
        ping_interval: float = 30.0,
        pong_timeout: float = 10.0,
        close_timeout: float = 2.0,
        client_ts_key: str = "client_ts",
        server_ts_key: str = "server_ts",
        sender_key: str = "sender",
        backoff: Backoff | None = None,
        connect_gate: Callable[[], None] | None = None,
        sslopt: Mapping[str, Any] | None = None,
        skip_utf8_validation: bool = False,
        max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
        reconnect_close_codes: Collection[int] = RECONNECT_CLOSE_CODES,
        slow_handler_ms: float = 100.0,
        source_address: str | Callable[[], str | None] | None = None,
        receive_rate: float = 0.0,
        receive_buffer: int = 0,
        compression: CompressionSetting = None,
        tags: Mapping[str, object] | None = None,
    ) -> None:
        """Times in seconds: ``connect_timeout`` for the whole handshake, ``reply_timeout`` the
        default wait of round trips and waits, a WebSocket ping every ``ping_interval`` (0: none)
        answered within ``pong_timeout``, ``close_timeout`` for the server's close frame. The
        ``*_key`` arguments name the fan-out / push stamps; ``backoff`` (``None``: never) reopens
        lost connections; ``connect_gate`` runs before every handshake; ``sslopt`` goes to
        websocket-client for ``wss://``; an inbound message larger than ``max_message_size`` bytes
        (0: no limit) is refused with close code 1009 before its payload is read. A connection
        that ends with a code in ``reconnect_close_codes`` (1006 when it was lost) is reopened; one
        the server closed with another code (1000, 1008, 4001 ...) stays closed. Message handlers
        run in the session's handler greenlet; one slower than ``slow_handler_ms`` is logged once.
        ``source_address`` (or a callable returning it, asked on every attempt) is the local IP
        the connection leaves from (``None``: the kernel's choice). ``receive_rate`` (messages per
        second, 0: as fast as they come) makes this a slow consumer on purpose, and
        ``receive_buffer`` (bytes, 0: the kernel's) shrinks its socket's receive buffer, so the
        server's send buffers fill soon after: how a test sees what a server does then.
        ``compression`` (``"deflate"``, a ``DeflateOptions`` or a dict of its fields) offers
        permessage-deflate on every connection; ``connect(compression=...)`` overrides it for one.
        ``tags`` (``{"feed": "orders"}``, as k6's) go on every event of the session, so the metrics
        and thresholds can split its rows by them (``fanout{feed:orders}:p99<200ms``)."""
        self.base_url = base_url
        self.user = user
        self._report = Reporter(request_event, self.request_type, user)
        self._report.set_tags(tags)
        self._handler_jobs = HandlerDispatcher(self._report, slow_handler_ms)
        """Runs the locustfile's handlers off the reader, in arrival order."""
        self.connect_timeout = connect_timeout
        self.reply_timeout = reply_timeout
        self.ping_interval = ping_interval
        self.pong_timeout = pong_timeout
        self.close_timeout = close_timeout
        self.client_ts_key = client_ts_key
        self.server_ts_key = server_ts_key
        self.sender_key = sender_key
        self.backoff = backoff
        """How lost connections are reopened; ``None`` turns reconnecting off."""
        self.connect_gate = connect_gate
        """Called before every handshake; may sleep to pace connections (the connect-rate cap)."""
        self.sslopt = dict(sslopt or {})
        self.skip_utf8_validation = skip_utf8_validation
        self.max_message_size = max_message_size
        self.reconnect_close_codes = frozenset(reconnect_close_codes)
        self.source_address = source_address
        self.receive_rate = receive_rate
        self.receive_buffer = receive_buffer
        self.receive_lag_ms: float | None = None
        """How old the last server-stamped message (``server_ts``) was when it was read, in ms:
        the receive lag, which grows while this client reads slower than the server sends."""
        self.max_receive_lag_ms = 0.0
        self.compression = deflate_options(compression)
        """The permessage-deflate offer of every connection (``None``: compression off)."""
        self.extensions = ""
        """The extensions the server agreed to on the current or last connection, as a browser's
        ``WebSocket.extensions`` shows them: ``permessage-deflate; client_max_window_bits=9`` or
        ``""`` (none: compression off, or the server declined it)."""
        self.client_id = uuid.uuid4().hex[:16]
        """Stamped into fan-out messages as the sender, so our own copies are not counted."""

        self.messages_in = self.bytes_in = self.messages_out = self.bytes_out = 0
        self.late_replies = 0
        self.path: str | None = None
        """The path of the current or last connection (never its query string)."""
        self._connect_name = ""  # the "connect <label>" row of the last attempt
        self._label = ""  # reused for "close <label>" and "reconnect <label>"

        self._expired = ExpiredIds()
        self._pending: dict[Hashable, AsyncResult | _ReplySlot] = {}
        self._cut_off: dict[Hashable, _CutOff] = {}
        self._waiters: list[tuple[Predicate | None, AsyncResult[_Arrival]]] = []
        self._ws: Transport | None = None
        self._reader: Reading | None = None
        self._pacer: ReceivePacer | None = None
        self._heartbeat: heartbeats.HeartbeatTimer | None = None
        self._next_ping = 0.0
        self._awaiting_pong: bytes | None = None  # the heartbeat ping that has had no pong yet
        self._ping_sequence = 0
        self._opening = False  # between the WebSocket handshake and the end of _on_open
        self._given_up: str | None = None  # why the connection stays down until connect()
        self._fresh_connection_state()
        self._connect_args: dict[str, Any] | None = None
        self._reconnector: gevent.Greenlet | None = None
        self._connect_hooks: list[ConnectHook] = []

    # -- connection -------------------------------------------------------------------------

    def _fresh_connection_state(self) -> None:
        """What one connection learns about its own end, cleared for each new connection."""
        self.close_code: int | None = None
        """The close code of the last connection: the server's, or 1006 when it was lost."""
        self.close_reason = ""
        self._closing = False  # our close(): its row is close()'s, and no reconnect follows
        self._awaiting_pong = None

    @property
    def tags(self) -> dict[str, str]:
        """The session's tags, carried by every event from the next one on (credential-named
        values as ``<redacted>``); set it to replace them. A call's own ``tags=`` merge over them."""
        return dict(self._report.tags)

    @tags.setter
    def tags(self, tags: Mapping[str, object] | None) -> None:
        self._report.set_tags(tags)

    @property
    def connected(self) -> bool:
        """True while the connection is open and its reader is running."""
        return self._ws is not None and self._reader is not None and not self._reader.dead

    def on_connect(self, hook: ConnectHook) -> ConnectHook:
        """Register ``hook()`` to run after every successful connect: the first one (in the caller
        of ``connect``, e.g. ``on_start``) and every reconnect, so a locustfile re-subscribes what
        the server forgot with the old connection. After a background reconnect the hooks run in
        the reconnect greenlet, not the reader (they may send and wait for replies, timed as
        usual) and not the task (which may be sleeping); a task call waiting for the reconnect
        waits for them too, so it never runs on a half-restored connection. ``resubscribe
        <label>`` then reports the time from the loss to the end of the hooks. Usable as a
        decorator; hooks run in registration order."""
        self._connect_hooks.append(hook)
        return hook

    def wait_closed(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds (``None``: for good) for the connection to end, by the
        server's close or a loss, without sending anything; True once it has ended (or was never
        open), and ``close_code``/``close_reason`` say how. What an idle hold waits on."""
        reader = self._reader
        if reader is None:
            return True
        reader.join(timeout)
        return reader.dead

    def _connect(self, connect_args: dict[str, Any], reopened: bool = False) -> None:
        """Open a connection with ``connect_args`` (the arguments of ``_open``), remembered for
        reconnecting, and run the ``on_connect`` hooks; a failure to open starts the background
        reconnect (when on) and is raised. ``reopened``: a call reopening a closed connection."""
        self._stop_reconnecting()
        if self._ws is not None:
            self.close()
        self._connect_args = connect_args
        self._given_up = None
        try:
            self._open(**connect_args)
        except InvalidURL:
            # It can never open: nothing reconnects it, and a task calling connect() in a loop
            # fails once a second instead of as fast as it can.
            gevent.sleep(NOT_CONNECTED_PAUSE_S)
            raise
        except ConnectError:
            self._start_reconnecting()
            raise
        try:
            self._resubscribe(reopened)
        except ResubscribeError as error:
            self._report.fire(Kind.HANDLER, f"on_connect {self._label}", None, 0, error)
            raise

    def _resubscribe(self, reopened: bool) -> None:
        """Restore what the client had on the new connection: the ``on_connect`` hooks, in order.
        ``reopened`` is False for a ``connect()`` of the locustfile's own. A hook that raises is
        raised as a ``ResubscribeError``."""
        for hook in self._connect_hooks:
            try:
                hook()
            except Exception as error:
                raise ResubscribeError(f"on_connect hook {getattr(hook, '__name__', hook)}", error) from error

    def _has_resubscription(self) -> bool:
        """Whether a reopened connection has anything to restore (and a ``resubscribe`` row)."""
        return bool(self._connect_hooks)

    def _open(
        self,
        path_or_url: str,
        headers: Mapping[str, str] | Sequence[str] | Callable[[], Any] | None,
        subprotocols: Sequence[str] | None,
        query: Mapping[str, object] | Callable[[], Mapping[str, object]] | None,
        name: str | None,
        compression: CompressionSetting = None,
    ) -> None:
        """One connection attempt: the WebSocket handshake, then the protocol's (``_on_open``).
        ``headers`` and ``query`` may be callables, called on each attempt. On success the reader
        and the heartbeat run; any failure is reported and raised as a ``ConnectError``, and
        leaves no greenlet or socket behind. ``compression`` ``None`` is the session's; ``False``
        turns it off for this connection."""
        # Callables are called on every (re)connect, so a refreshed token is the one sent.
        sent_headers: Mapping[str, str] | Sequence[str] | None = headers() if callable(headers) else headers
        sent_query = query() if callable(query) else query
        offer = self.compression if compression is None else deflate_options(compression)
        try:
            url = ws_url(self.base_url, path_or_url, sent_query)
        except ValueError as error:
            failure: ConnectError = InvalidURL(str(error))
            self._connect_name = name or f"connect {path_or_url or '/'}"
            self._report_connect(None, failure)
            raise failure from None
        self._report.secrets = connection_secrets(url, sent_headers)
        self.path = display_path(url)
        self._connect_name = name or f"connect {self.path}"
        self._label = self._connect_name.removeprefix("connect ")
        options: dict[str, Any] = {
            "timeout": self.connect_timeout,
            "skip_utf8_validation": self.skip_utf8_validation,
            "max_message_size": self.max_message_size,
        }
        if sent_headers:
            options["header"] = (
                dict(sent_headers) if isinstance(sent_headers, Mapping) else list(sent_headers)
            )
        if subprotocols:
            options["subprotocols"] = list(subprotocols)
        if self.sslopt:
            options["sslopt"] = self.sslopt
        source_address = self.source_address() if callable(self.source_address) else self.source_address
        if source_address:
            options["source_address"] = source_address
        if self.receive_buffer:  # before connect, so the window the server sees is the small one
            options["sockopt"] = ((socket.SOL_SOCKET, socket.SO_RCVBUF, self.receive_buffer),)
        if offer is not None:
            options["compression"] = offer
        if self.connect_gate is not None:
            self.connect_gate()
        start = perf_counter()
        try:
            ws = self._create_connection(url, options)
        except Exception as error:  # noqa: BLE001 - every failure becomes one typed, readable entry
            failure = _connect_failure(error, self.connect_timeout, source_address)
            self._report_connect((perf_counter() - start) * 1000.0, failure)
            raise failure from None
        handshake_ms = (perf_counter() - start) * 1000.0
        self._ws = ws
        self._report.deflate = ws.deflate
        self.extensions = str(ws.deflate.parameters) if ws.deflate is not None else ""
        self._fresh_connection_state()
        self._opening = True
        self._pacer = ReceivePacer(self.receive_rate) if self.receive_rate > 0 else None
        self._reader = ws.start_reading(self._deliver_events, functools.partial(self._on_disconnect, ws))
        try:
            self._on_open(ws, start, handshake_ms)
        except BaseException:
            # Never usable, so no close row and no reconnect from the reader: the connect row
            # already carries the failure.
            self._teardown(ws)
            raise
        finally:
            self._opening = False
        self._heartbeat = self._start_heartbeat(ws)

    def _create_connection(self, url: str, options: dict[str, Any]) -> Transport:
        """Open the transport: a ``WireSocket`` (``wire.open_websocket``); anything with its
        ``read``/``send``/``send_close``/``shutdown`` surface will do."""
        return open_websocket(url, options)

    def _start_heartbeat(self, ws: Transport) -> heartbeats.HeartbeatTimer | None:
        """Start the liveness check of the connection that just opened, on the process's heartbeat
        scheduler (it is cancelled here when the connection ends): a WebSocket ping every
        ``ping_interval``, or none when that is 0. ``None``: no check."""
        if self.ping_interval <= 0:
            return None
        return heartbeats.scheduler.start(
            functools.partial(self._heartbeat_tick, ws), perf_counter() + self.ping_interval
        )

    def _on_open(self, ws: Transport, started: float, handshake_ms: float) -> None:
        """The protocol's handshake after the WebSocket one, with the reader already running.
        Plain WebSockets have none: the connection is open, report it. Raise a ``ConnectError``
        (reported first) to give up on this connection."""
        self._report_connect(handshake_ms)

    def _report_connect(self, response_time: float | None, error: Exception | None = None) -> None:
        """Report a connection attempt (``response_time`` in ms)."""
        self._report.fire(Kind.CONNECT, self._connect_name, response_time, 0, error)

    def _report_close(self, response_time: float | None, error: Exception | None = None) -> None:
        """Report the end of an open connection: our close handshake (ms) or the server's close or
        loss (no time), with ``close_code``. Every successful connect row gets one close row."""
        self._report.fire(
            Kind.CLOSE, f"close {self._label}", response_time, 0, error, close_code=self.close_code
        )

    # -- reconnecting -----------------------------------------------------------------------

    @property
    def reconnecting(self) -> bool:
        """True while a lost connection is being reopened in the background."""
        return self._reconnector is not None and not self._reconnector.dead

    def _start_reconnecting(self) -> None:
        if (
            self.backoff is None
            or self._connect_args is None
            or self.reconnecting
            or self._closing
            or self._given_up is not None
        ):
            return
        self._reconnector = gevent.spawn(self._reconnect_loop, perf_counter())

    def _stop_reconnecting(self) -> None:
        reconnector = self._reconnector
        self._reconnector = None
        if reconnector is not None and reconnector is not gevent.getcurrent():
            reconnector.kill(block=True, timeout=1.0)

    def _reconnect_loop(self, lost_at: float) -> None:
        """Reopen the connection with backoff and jitter until it works or the attempts run out;
        ``reconnect <label>`` reports the time from the loss to the reopened connection, and
        ``resubscribe <label>`` (when there is something to restore) the time to the end of the
        ``on_connect`` hooks. A connection lost again during the hooks is reopened again."""
        assert self.backoff is not None and self._connect_args is not None
        attempt = 0
        while not self.backoff.gives_up_at(attempt):
            gevent.sleep(self.backoff.delay(attempt))
            if self._ws is not None:
                self._teardown(self._ws)
            try:
                self._open(**self._connect_args)
            except ConnectError:
                attempt += 1
                if self._given_up is None:
                    continue
                failure = ConnectError(f"gave up reconnecting: {self._given_up}")
                break
            self._report.fire(Kind.RECONNECT, f"reconnect {self._label}", (perf_counter() - lost_at) * 1000.0)
            if self._restore(lost_at):
                return
            attempt += 1
        else:
            failure = ConnectError(f"gave up reconnecting after {attempt} attempts")
        self._report.fire(Kind.RECONNECT, f"reconnect {self._label}", None, 0, failure)

    def _restore(self, lost_at: float) -> bool:
        """Run the resubscription on a reopened connection and report it; False when the
        connection was lost again meanwhile with a code that reconnects (try again)."""
        if not self._has_resubscription():
            return True
        error: Exception | None = None
        try:
            self._resubscribe(reopened=True)
        except ResubscribeError as failure:
            error = failure
        again = not self.connected and self.close_code in self.reconnect_close_codes
        if not self.connected and error is None:
            error = ResubscribeError("the connection", f"closed again with code {self.close_code}")
        self._report.fire(
            Kind.RESUBSCRIBE, f"resubscribe {self._label}", (perf_counter() - lost_at) * 1000.0, 0, error
        )
        return not again

    def _give_up(self, reason: str) -> None:
        """Keep the connection down until the next ``connect``, because reopening it cannot help
        (Socket.IO: the server refused every namespace, a refused login): no reconnect starts or
        goes on, and calls fail, paced, with ``not connected (<reason>)`` instead of reopening it.
        Call it before raising the ``ConnectError`` that fails the attempt."""
        self._given_up = reason

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection with ``code`` and wait (up to ``close_timeout``) for the server's
        close frame; the close handshake is reported as ``close <path>``, and the handler greenlet
        ends. Safe to call twice, on a lost connection, or on one that never opened. Closing a
        connection that is down and being reopened (a user stopped mid-backoff) is a ``closed while
        reconnecting <path>`` row: the run ended with it disconnected."""
        if self.reconnecting and gevent.getcurrent() is not self._reconnector:
            self._report.fire(Kind.CLOSED_RECONNECTING, f"closed while reconnecting {self._label}", None)
        self._stop_reconnecting()
        self._handler_jobs.stop()
        ws, reader = self._ws, self._reader
        if ws is None:
            return
        self._closing = True
        if reader is None or reader.dead:
            self._teardown(ws)  # already lost or closed by the server, and reported then
            return
        start = perf_counter()
        error: Exception | None = None
        try:
            # Bounded: a server that stopped reading must not hold the close forever.
            with contextlib.suppress(OSError, websocket.WebSocketException):
                ws.send_close(code, reason, self.close_timeout)  # SendTimeout is an OSError
            reader.join(timeout=max(self.close_timeout - (perf_counter() - start), 0.0))
            if not reader.dead:
                error = CloseTimeout(self.close_timeout)
                ws.shutdown()
                reader.join(timeout=1.0)
            elif ws.closed is None or ws.closed.initiator is Initiator.LOST:
                error = ConnectionClosed(_ABNORMAL, message="connection closed without a close frame")
        finally:
            # Also when this greenlet is killed while waiting (a forced stop): every connection
            # that was reported open is reported closed exactly once.
            self._report_close((perf_counter() - start) * 1000.0, error)
            self._teardown(ws)

    def _close_quietly(self, code: int = 1000) -> None:
        """Start closing the connection on behalf of the protocol, which has reported its end
        already (Socket.IO: the server disconnected the last namespace): no close row and no
        reconnect follow, and the next call reopens it, as after ``close()``. Does not wait for
        the server's close frame, so the reader may call it."""
        ws = self._ws
        if ws is None:
            return
        self._closing = True
        try:
            ws.send_close(code)
        except (OSError, websocket.WebSocketException):
            ws.shutdown()

    # -- round trips and waits --------------------------------------------------------------

    def _round_trip(
        self,
        reply: Reply,
        key: Hashable,
        send: Callable[[float], tuple[int, float, bool]],
        timeout: float | None,
        catch_response: bool,
        timeout_error: Callable[[float], Exception] = ReplyTimeout,
        call_tags: Tags | None = None,
    ) -> Reply:
        """Call ``send(timeout)`` (which returns the bytes sent, the ms spent sending and whether
        the send blocked, and raises ``SendTimeout`` past its deadline) and wait for the reader to
        resolve ``key`` in ``_pending`` with ``(data, received_at, length)``. The round trip is
        reported under ``reply.name``, with ``sent_bytes`` (``None`` when nothing left),
        ``send_ms`` and ``blocked_ms`` (``send_timing``) in its context. ``timeout`` seconds
        (default ``reply_timeout``) is the whole budget, the send included: no answer within it
        is a ``timeout_error`` failure, and an answer after that is counted in
        ``late_replies``. ``call_tags``: the event's tags (``Reporter.merged``)."""
        timeout = self.reply_timeout if timeout is None else timeout
        slot = _ReplySlot()
        self._pending[key] = slot
        context: dict[str, Any] = {"sent_bytes": None}
        if call_tags is not None:
            context["call_tags"] = call_tags
        start = perf_counter()
        try:
            context["sent_bytes"], context["send_ms"], blocked = send(timeout)
            if blocked:
                context["blocked_ms"] = context["send_ms"]
            answer = slot.get(max(timeout - (perf_counter() - start), 0.0))
            if answer is _EXPIRED:
                self._expired.add(key, reply.name)
                reply.error = timeout_error(timeout)
                reply.response_time = (perf_counter() - start) * 1000.0
            elif answer[1] - start > timeout:
                # Read after the deadline, before a busy loop let the timer fire: the verdict
                # must not depend on which of the two the hub ran first.
                self._count_late_reply(answer[2])
                reply.error = timeout_error(timeout)
                reply.response_time = (answer[1] - start) * 1000.0
            else:
                _answered(reply, start, answer)
        except SendTimeout:
            reply.error = timeout_error(timeout)
            reply.response_time = (perf_counter() - start) * 1000.0
        except ConnectionClosed as error:
            reply.error = error
        except BaseException:
            # The caller is gone (GreenletExit, its own gevent.Timeout). A request that left is
            # still one message sent and its reply one received: never lost, never a "recv".
            if context["sent_bytes"] is not None:
                self._cut_off_round_trip(key, _CutOff(reply, start, context), slot.answer)
            raise
        finally:
            self._pending.pop(key, None)
        return self._finish(reply, catch_response, **context)

    def _cut_off_round_trip(self, key: Hashable, cut_off: _CutOff, answer: Any) -> None:
        """Report a round trip whose caller was stopped: now if its answer had come, else when it
        comes (``_resolve``) or as cut off when the connection ends (``_on_disconnect``)."""
        if answer is not None:
            _answered(cut_off.reply, cut_off.started, answer)
            self._report_reply(cut_off.reply, **cut_off.context)
            return
        self._cut_off[key] = cut_off
        if len(self._cut_off) > MAX_CUT_OFF:
            self._report_cut_off(self._cut_off.pop(next(iter(self._cut_off))))

    def _report_cut_off(self, cut_off: _CutOff) -> None:
        self._report.fire(Kind.CUT_OFF, cut_off.reply.name, None, 0, **cut_off.context)

    def _resolve(self, key: Hashable, data: Any, received_at: float, length: int) -> bool:
        """Hand an answer to the round trip waiting for ``key``; a late one is counted as a
        ``late reply``. False when nobody waits or waited for it."""
        waiter = self._pending.pop(key, None)
        if waiter is not None:
            waiter.set((data, received_at, length))
            return True
        if self._cut_off and (cut_off := self._cut_off.pop(key, None)) is not None:
            _answered(cut_off.reply, cut_off.started, (data, received_at, length))
            self._report_reply(cut_off.reply, **cut_off.context)
            return True
        if self._expired and self._expired.pop(key) is not None:
            self._count_late_reply(length)
            return True
        return False

    def _count_late_reply(self, length: int) -> None:
        self.late_replies += 1
        self._report.fire(Kind.LATE_REPLY, "late reply", None, length)

    def _wait(
        self,
        predicate: Predicate | None,
        timeout: float | None,
        name: str | None,
        tags: Mapping[str, object] | None = None,
    ) -> Any:
        """Wait for the next message (as passed to ``_wake_waiters``) matching ``predicate``;
        return it, or ``None`` after ``timeout`` s. With ``name`` the wait is reported, with
        ``tags`` over the session's."""
        timeout = self.reply_timeout if timeout is None else timeout
        call_tags = self._report.merged(tags) if tags else None
        self._open_connection(name or "wait_for", timeout)
        entry: tuple[Predicate | None, AsyncResult[_Arrival]] = (predicate, AsyncResult())
        self._waiters.append(entry)
        start = perf_counter()
        message = None
        error: Exception | None = None
        length = 0
        try:
            arrival = entry[1].get(timeout=timeout)
            assert arrival is not None  # _wake_waiters always sets a (message, received_at, length)
            message, received_at, length = arrival
            elapsed = (received_at - start) * 1000.0
        except gevent.Timeout:
            error = WaitTimeout(timeout)
            elapsed = (perf_counter() - start) * 1000.0
        except ConnectionClosed as closed:
            error, elapsed = closed, None
        finally:
            if entry in self._waiters:
                self._waiters.remove(entry)
        if name is not None:
            self._report.fire(Kind.WAIT, name, elapsed, length, error, call_tags)
        return message

    def _wake_waiters(self, message: Any, received_at: float, length: int) -> None:
        for entry in list(self._waiters):
            predicate, waiter = entry
            try:
                matched = predicate is None or predicate(message)
            except Exception as error:  # noqa: BLE001 - surfaced in the waiting task instead
                self._waiters.remove(entry)
                waiter.set_exception(error)
                continue
            if matched:
                self._waiters.remove(entry)
                waiter.set((message, received_at, length))

    def _report_inbound(self, message: Any, name: str, length: int, **context: Any) -> None:
        """Report one inbound message that answers no request, on exactly one row, so Locust counts
        each message once: another client's stamped message is one ``fanout`` sample (a server
        stamp it also carries rides along as ``push``, for our own push histogram), a
        server-stamped one a ``server push`` sample, anything else ``name`` (``recv``), no time."""
        if type(message) is dict:
            fanout, push = stamped_latencies(
                message, self.client_id, self.client_ts_key, self.server_ts_key, self.sender_key
            )
            if push is not None:
                self.receive_lag_ms = push
                if push > self.max_receive_lag_ms:
                    self.max_receive_lag_ms = push
                # a slow reader's lag is its own row, not the others' tail
                push_row = SLOW_READER_PUSH_ROW if self.receive_rate > 0 else SERVER_PUSH_ROW
                if fanout is not None:
                    context["push"] = Push(push_row, push)
                else:
                    self._report.fire(Kind.PUSH, push_row, push, length, **context)
                    return
            if fanout is not None:
                self._report.fire(Kind.FANOUT, FANOUT_ROW, fanout, length, **context)
                return
        self._report.fire(Kind.RECV, name, None, length, **context)

    # -- receiving --------------------------------------------------------------------------

    def _deliver_events(self, events: list[Event]) -> Closed | None:
        """One batch of the transport's events, in a reader greenlet (``transport/reading.py``):
        the ``Closed`` among them, if the connection ended."""
        closed: Closed | None = None
        if not events:
            return closed
        if self._pacer is not None and not self._closing:
            # A slow consumer: what the socket held is read, then a pause. Once closing, the
            # backlog before the server's close frame is drained at full speed, as a client that
            # stopped processing does.
            gevent.sleep(self._pacer.pause_after(len(events), perf_counter()))
        on_data = self._on_data
        for event in events:
            if isinstance(event, Message):
                on_data(event.opcode, event.payload)
            elif isinstance(event, Pong):
                self._on_pong(event)
            else:
                closed = event
        return closed

    def _on_data(self, opcode: int, payload: bytes) -> None:
        """One complete inbound data message, in the reader greenlet: keep it short."""
        raise NotImplementedError

    def _on_disconnect(self, ws: Transport, closed: Closed | None) -> None:
        """The connection ended as ``closed`` (``None``: the reader was stopped): record and report
        it, fail what waits on it, and reopen it when its close code says so."""
        if closed is None:
            closed = ws.lose("connection closed without a close frame")
        ws.shutdown()
        code, reason = closed.code, closed.reason
        failure: Exception | None
        if closed.initiator is Initiator.PROTOCOL:
            failure = ConnectionClosed(code, reason, f"protocol error, we closed with {code}: {reason}")
        elif closed.initiator is Initiator.LOST:
            failure = ConnectionClosed(code, reason, f"connection lost (1006): {reason}")
        else:
            failure = None if code in NORMAL_CLOSURES else ConnectionClosed(code, _bounded(reason))
        self.close_code, self.close_reason = code, reason
        reportable = not self._closing and not self._opening
        if reportable:
            self._report_close(None, failure)
        ended = ConnectionClosed(code, reason, "connection closed before the reply arrived")
        for waiter in self._pending.values():
            waiter.set_exception(ended)
        for _, waiter in self._waiters:
            waiter.set_exception(ended)
        self._pending.clear()
        self._waiters.clear()
        for cut_off in self._cut_off.values():  # their replies can no longer come
            self._report_cut_off(cut_off)
        self._cut_off.clear()
        heartbeats.scheduler.cancel(self._heartbeat)
        if reportable and code in self.reconnect_close_codes:
            self._start_reconnecting()

    # -- heartbeats -------------------------------------------------------------------------

    def _heartbeat_tick(self, ws: Transport, now: float) -> float | None:
        """Run by the process's heartbeat scheduler: send the next ping when it is due, or declare
        the connection dead when the ping sent last has had no pong within ``pong_timeout``.
        Returns when to come back (``None``: this connection's heartbeat is over)."""
        if ws is not self._ws or not self.connected:
            return None
        if self._awaiting_pong is not None:  # due: the pong's deadline passed
            self._awaiting_pong = None
            self._report.fire(Kind.PING, "ping", None, 0, PongTimeout(self.pong_timeout))
            ws.lose(f"no pong within {self.pong_timeout:g} s")
            return None
        if now < self._next_ping:  # the last pong came early: the next ping is an interval after it
            return self._next_ping
        self._ping_sequence += 1
        payload = str(self._ping_sequence).encode()
        self._awaiting_pong = payload
        gevent.spawn(self._send_ping, ws, payload)  # the send may wait; the scheduler must not
        return now + self.pong_timeout

    def _send_ping(self, ws: Transport, payload: bytes) -> None:
        """The protocol times the ping from when it is written; a failed send needs no report,
        the reader sees the loss."""
        with contextlib.suppress(OSError, websocket.WebSocketException, InvalidState):
            ws.ping(payload)

    def _on_pong(self, pong: Pong) -> None:
        """A pong answering our heartbeat ping: its round trip, and the next ping an interval
        from now. Unsolicited pongs (no ``rtt``) are allowed and ignored (RFC 6455 5.5.3)."""
        if pong.rtt is None or self._awaiting_pong is None:
            return
        self._awaiting_pong = None
        self._next_ping = perf_counter() + self.ping_interval
        heartbeats.scheduler.move(self._heartbeat, self._next_ping)
        self._report.fire(Kind.PING, "ping", pong.rtt * 1000.0)

    # -- plumbing ---------------------------------------------------------------------------

    def _open_connection(self, name: str, timeout: float | None = None) -> Transport:
        """The open socket for a call named ``name``. While the connection is being reopened in
        the background the call waits for it, up to ``timeout`` seconds (default
        ``reply_timeout``), as Socket.IO clients buffer; a closed connection that may come back is
        reopened first. A connection that is down for good (reconnecting off, or closed by the
        server with a code that does not reconnect) fails the call after ``NOT_CONNECTED_PAUSE_S``,
        so a task loop on a dead server is paced instead of spinning."""
        if self._opening and not self.reconnecting:
            raise self._report_not_connected(name, "not connected (handshake under way)")
        reconnector = self._reconnector
        if reconnector is not None and not reconnector.dead and reconnector is not gevent.getcurrent():
            reconnector.join(self.reply_timeout if timeout is None else timeout)
            if self._opening or not self.connected:
                raise self._report_not_connected(name, "not connected (reconnecting)")
        if not self.connected:
            if self._ws is not None:
                self._teardown(self._ws)
            if self.backoff is None or self._connect_args is None or not self._may_reopen():
                gevent.sleep(NOT_CONNECTED_PAUSE_S)
                raise self._report_not_connected(name, self._down_reason())
            self._connect(self._connect_args, reopened=True)
        assert self._ws is not None
        return self._ws

    def _may_reopen(self) -> bool:
        """Whether a call may reopen the closed connection: we closed it, or it ended with a close
        code that reconnects, and the protocol has not given it up."""
        if self._given_up is not None:
            return False
        return self._closing or self.close_code is None or self.close_code in self.reconnect_close_codes

    def _down_reason(self) -> str:
        if self._given_up is not None:
            return f"not connected ({self._given_up})"
        if self.close_code is None or self._closing or self.close_code in self.reconnect_close_codes:
            return "not connected"
        return f"not connected (closed by server with code {self.close_code})"

    def _report_not_connected(self, name: str, message: str = "not connected") -> NotConnected:
        error = NotConnected(message)
        self._report.fire(Kind.SEND, name, None, 0, error)
        return error

    def _encoded_send(
        self, name: str, build: Callable[[], _Encoded], call_tags: Tags | None = None, **context: Any
    ) -> _Encoded:
        """``build()``: the frames of the send reported as ``name``. A value it cannot encode is
        that send's one ``PayloadError`` failure (``call_tags`` and ``context`` in its row), raised;
        nothing is sent."""
        try:
            return encoded(build)
        except PayloadError as error:
            self._report.fire(Kind.SEND, name, None, 0, error, call_tags, **context)
            raise

    def _send_frame(
        self, ws: Transport, payload: bytes, opcode: int, timeout: float | None = None
    ) -> tuple[float, bool]:
        """Send one frame; return the milliseconds spent in the send, which grow when the server
        reads slower than we write and the socket buffer fills (backpressure), and whether it
        blocked (``Transport.send``). With ``timeout`` a send still blocked after that many
        seconds raises ``SendTimeout``."""
        start = perf_counter()
        try:
            blocked = ws.send(payload, opcode, timeout)
        except SendTimeout:
            raise
        except InvalidState:
            raise ConnectionClosed(_ABNORMAL, message="send failed: the connection is closing") from None
        except (OSError, websocket.WebSocketException) as error:
            raise ConnectionClosed(_ABNORMAL, message=f"send failed: {describe_error(error)}") from None
        self.messages_out += 1
        self.bytes_out += len(payload)
        return (perf_counter() - start) * 1000.0, blocked

    def _teardown(self, ws: Transport) -> None:
        heartbeats.scheduler.cancel(self._heartbeat)
        if self._reader is not None:
            self._reader.kill(timeout=1.0)
        ws.shutdown()
        self._ws = self._reader = self._heartbeat = None

    def _finish(self, reply: Reply, catch_response: bool, **context: Any) -> Reply:
        if catch_response:
            return CaughtReply(reply, functools.partial(self._report_reply, **context))
        self._report_reply(reply, **context)
        return reply

    def _report_reply(self, reply: Reply, **context: Any) -> None:
        self._report.fire(
            Kind.REQUEST, reply.name, reply.response_time, reply.response_length, reply.error, **context
        )


def send_timing(send_ms: float, blocked: bool) -> EventContext:
    """The context keys of a frame sent in ``send_ms`` milliseconds: ``send_ms``, and
    ``blocked_ms`` too when the send blocked (``events.EventContext``)."""
    return {"send_ms": send_ms, "blocked_ms": send_ms} if blocked else {"send_ms": send_ms}


def encoded(build: Callable[[], _Encoded]) -> _Encoded:
    """``build()``, an encoder's complaint about the value (``TypeError``, ``ValueError``: a set, an
    object, a tuple key, a lone surrogate) turned into a ``PayloadError`` saying why: one failure
    entry per kind of bad payload instead of a traceback, and nothing sent."""
    try:
        return build()
    except PayloadError:
        raise
    except (TypeError, ValueError) as error:
        raise PayloadError(f"cannot encode payload: {error}") from None


def _answered(reply: Reply, started: float, answer: tuple[Any, float, int]) -> None:
    """Fill ``reply`` from the reader's ``(data, received_at, length)``; its time runs from
    ``started`` (``perf_counter`` seconds) to when the answer was read."""
    reply.data, received_at, reply.response_length = answer
    reply.response_time = (received_at - started) * 1000.0


def _connect_failure(error: Exception, timeout: float, source_address: str | None = None) -> ConnectError:
    """Translate whatever websocket-client or the socket layer raised into one readable failure."""
    if isinstance(error, ConnectError):
        return error
    source = source_failure(error, source_address)
    if source is not None:
        return source
    if isinstance(error, HandshakeTimeout):
        return ConnectTimeout(timeout, error.phase)
    if isinstance(error, websocket.WebSocketBadStatusException):
        return HandshakeRejected(error.status_code, _bounded(error.status_message or ""))
    if isinstance(error, (socket.timeout, TimeoutError, websocket.WebSocketTimeoutException)):
        return ConnectTimeout(timeout)
    if isinstance(error, ConnectionRefusedError):
        return ConnectError("connection refused (nothing listening?)")
    if isinstance(error, websocket.WebSocketAddressException):
        return ConnectError(f"cannot resolve host: {describe_error(error)}")
    return ConnectError(f"handshake failed: {describe_error(error)}")


def _bounded(text: str, limit: int = 60) -> str:
    """Server-chosen text (a reason phrase, a close reason) as it may appear in a failure row:
    printable and short, so a server cannot make each failure its own row with a long or binary
    text."""
    printable = "".join(char if char.isprintable() else "?" for char in text)
    return printable if len(printable) <= limit else printable[: limit - 3] + "..."
