"""``SocketIOSession``: a Socket.IO v4 client (Engine.IO v4 / Socket.IO protocol v5) driven over our
own ``WebSocketConnection``, and every measurement taken on it.

python-socketio's threaded ``Client`` is not used: its packet classes are, over the same reader
greenlet, reconnect with backoff and jitter, connect pacing and close-code reporting that plain
WebSockets get. The Engine.IO open packet and the namespace ``CONNECT`` s run in ``_on_open``, so
every background reconnect repeats them (with a fresh ``auth`` when it is a callable). The reader
answers server pings at once and a watchdog greenlet declares the connection lost when no ping
arrives within pingInterval + pingTimeout. Handlers run in a dispatch greenlet, off the receive
path: a slow handler delays later handlers, never the reader's timings or the heartbeat.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
from collections.abc import Callable, Mapping, Sequence
from time import perf_counter
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import gevent
import websocket
from gevent.event import AsyncResult
from gevent.lock import Semaphore
from gevent.queue import Queue
from locust.event import EventHook
from socketio import packet as sio

from ..errors import (
    AckTimeout,
    ActionRefused,
    ConnectError,
    ConnectionClosed,
    ConnectTimeout,
    HandlerError,
    HeartbeatMissed,
    NamespaceRefused,
)
from ..protocol import socketio_packets as packets
from ..protocol.connection import Closed
from ..protocol.deflate import CompressionSetting
from ..protocol.messages import stamp_for_fanout
from ..redaction import payload_secrets
from ..transport.polling import PollingTransport
from ..transport.wire import Transport
from .connection import WebSocketConnection
from .events import Kind
from .replies import Reply

logger = logging.getLogger(__name__)

EventHandler = Callable[..., Any]
CATCH_ALL = "*"
TRANSPORTS = ("websocket", "polling")

_OPEN_KEY = ("engine.io", "open")


class SocketIOSession(WebSocketConnection):
    """One Socket.IO connection (several namespaces on it) that reports to Locust. ``SocketIOUser``
    creates it as ``self.client``.

    Rows it adds to the stats (request type ``SIO``; times in milliseconds):

    - ``connect <namespace>``: from opening the connection to the server accepting the namespace.
    - ``emit <event>``: an event sent (no response time; size of the encoded packet in bytes).
    - ``call <event>``: an event sent with an ack request, until the ack arrived.
    - ``recv <event>``: every inbound event, handled or not (no response time; packet bytes).
    - ``fanout`` / ``server push``: stamped events (``client_ts`` / ``server_ts``) as for WebSockets.
    - ``heartbeat``: an Engine.IO ping from the server, timed since the previous one (so it reads
      pingInterval while the server is healthy); a missed one is a failure.
    - ``disconnect <namespace>``: the end of a connected namespace: our close (timed), the server
      disconnecting it, or the connection closing or being lost (failures as for WebSockets).
    - ``reconnect <path>``: a lost connection reopened in the background, namespaces included.
    """

    request_type = "SIO"

    def __init__(
        self,
        base_url: str | None,
        request_event: EventHook,
        user: Any = None,
        *,
        ack_timeout: float = 5.0,
        room_key: str = "room",
        slow_handler_ms: float = 100.0,
        **options: Any,
    ) -> None:
        """``ack_timeout``: default seconds ``call`` and ``wait_for`` wait; ``room_key``: the
        payload key of ``room=``, ``join`` and ``leave``; ``options``: ``WebSocketConnection``'s
        (``connect_timeout``, ``close_timeout``, stamp keys, ``backoff``, ``connect_gate``,
        ``sslopt``). The heartbeat comes from the server, so it takes no ping options."""
        super().__init__(
            base_url,
            request_event,
            user,
            reply_timeout=ack_timeout,
            ping_interval=0.0,  # the server's pingInterval, from its open packet
            pong_timeout=0.0,
            # _on_data decodes every text packet itself (bad UTF-8 is a malformed-packet failure),
            # so websocket-client's own pass over each frame would only cost time.
            skip_utf8_validation=True,
            **options,
        )
        self.room_key = room_key
        self.slow_handler_ms = slow_handler_ms
        """A handler running longer than this (ms) is logged once: it delays later handlers."""
        self.sid: str | None = None
        """The Engine.IO session id of the current connection."""
        self.namespaces: dict[str, str] = {}
        """Connected namespaces and their Socket.IO session ids."""
        self.rooms: dict[str, set[str]] = {}
        """Rooms joined through ``join`` per namespace, as the server confirmed them."""
        self.transport = "websocket"
        self._requested: tuple[str, ...] = ("/",)
        self._auth: Any = None
        self._ack_ids = itertools.count(1)
        self._handlers: dict[tuple[str, str], list[EventHandler]] = {}
        self._binary: tuple[sio.Packet, int] | None = None  # a packet waiting for attachments
        self._last_ping = 0.0
        self._send_lock = Semaphore()  # a packet's frames must not interleave with another's
        self._inbox: Queue | None = None
        self._dispatcher: gevent.Greenlet | None = None
        self._slow_handlers: set[str] = set()

    # -- connection -------------------------------------------------------------------------

    def connect(
        self,
        url: str = "",
        *,
        namespaces: Sequence[str] = ("/",),
        auth: Any = None,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, object] | None = None,
        transports: Sequence[str] = ("websocket",),
        socketio_path: str = "socket.io",
        compression: CompressionSetting = None,
    ) -> None:
        """Connect to the Socket.IO server at ``url`` (default: the user's host) and to each of
        ``namespaces``; each is reported as ``connect <namespace>``.

        ``auth`` (a dict, or a callable returning one, called on every reconnect) is sent in the
        namespace ``CONNECT`` packets, ``headers`` and ``query`` with the HTTP handshake. The
        WebSocket transport is used whenever ``transports`` allows it; ``["polling"]`` selects
        Engine.IO long-polling instead (no upgrade). A refused handshake or namespace raises a
        ``ConnectError`` carrying the server's message, after reporting it. ``compression``
        offers permessage-deflate on the WebSocket transport, as for ``WebSocketSession.connect``."""
        namespaces = (namespaces,) if isinstance(namespaces, str) else tuple(namespaces)
        if not namespaces or not all(isinstance(n, str) and n.startswith("/") for n in namespaces):
            raise ValueError(f"namespaces must be names starting with '/', got {namespaces!r}")
        unknown = set(transports) - set(TRANSPORTS)
        if unknown or not transports:
            raise ValueError(f"transports must be taken from {TRANSPORTS}, got {list(transports)!r}")
        self.transport = "websocket" if "websocket" in transports else "polling"
        self._requested = namespaces
        self._auth = auth
        self._connect(
            {
                "path_or_url": _endpoint(url, socketio_path),
                "headers": headers,
                "subprotocols": None,
                "query": {**(query or {}), "EIO": 4, "transport": self.transport},
                "name": None,
                "compression": compression,
            }
        )

    def _create_connection(self, url: str, options: dict[str, Any]) -> Transport:
        if self.transport == "polling":
            return PollingTransport.open(url, options)
        return super()._create_connection(url, options)

    def _on_open(self, ws: Transport, started: float, handshake_ms: float) -> None:
        """The Engine.IO open packet, then one ``CONNECT`` per namespace, answered in any order."""
        self.namespaces.clear()
        deadline = started + self.connect_timeout
        try:
            opened: packets.EngineOpen = self._await(_OPEN_KEY, deadline, "no Engine.IO open packet")[0]
        except ConnectError as failure:
            self._report_connect((perf_counter() - started) * 1000.0, failure)
            raise
        self.sid = opened.sid
        self.ping_interval, self.pong_timeout = opened.ping_interval, opened.ping_timeout
        self._last_ping = perf_counter()
        auth = self._auth() if callable(self._auth) else self._auth
        self._report.secrets |= payload_secrets(auth)
        waiting = {namespace: self._expect(("connect", namespace)) for namespace in self._requested}
        for namespace in self._requested:
            try:
                self._send_packet(ws, packets.connect_frames(namespace, auth))
            except ConnectionClosed:
                break  # every namespace then fails in _await, with the reason the reader saw
        refusal: ConnectError | None = None
        for namespace in self._requested:
            try:
                outcome, received_at, _ = self._await(
                    ("connect", namespace), deadline, f"no answer to CONNECT {namespace}", waiting[namespace]
                )
                error = outcome if isinstance(outcome, NamespaceRefused) else None
                elapsed = (received_at - started) * 1000.0
            except ConnectError as failure:
                error, elapsed = failure, (perf_counter() - started) * 1000.0
            self._report.fire(Kind.CONNECT, f"connect {namespace}", elapsed, 0, error, namespace=namespace)
            refusal = refusal or error
        if refusal is not None:
            self._report_close(None)  # the namespaces that did connect are dropped with the rest
            raise refusal

    def _expect(self, key: tuple[str, str]) -> AsyncResult:
        waiter = AsyncResult()
        self._pending[key] = waiter
        return waiter

    def _await(
        self, key: tuple[str, str], deadline: float, phase: str, waiter: AsyncResult | None = None
    ) -> tuple[Any, float, int]:
        """Wait for a handshake answer resolved by the reader, as a ``ConnectError`` on failure
        (a timeout names the ``phase`` that did not complete)."""
        if waiter is None:
            waiter = self._expect(key)
        try:
            return waiter.get(timeout=max(0.0, deadline - perf_counter()))
        except gevent.Timeout:
            raise ConnectTimeout(self.connect_timeout, phase) from None
        except ConnectionClosed as closed:
            raise ConnectError(f"connection lost during the Socket.IO handshake: {closed.reason}") from None
        finally:
            self._pending.pop(key, None)

    def _report_connect(self, response_time: float | None, error: Exception | None = None) -> None:
        for namespace in self._requested:
            self._report.fire(
                Kind.CONNECT, f"connect {namespace}", response_time, 0, error, namespace=namespace
            )

    def _report_close(self, response_time: float | None, error: Exception | None = None) -> None:
        """Socket.IO's view of a closing connection: each connected namespace is disconnected
        (``disconnect <namespace>``), so every ``connect <namespace>`` row gets its end."""
        for namespace in self.namespaces:
            self._report.fire(
                Kind.CLOSE,
                f"disconnect {namespace}",
                response_time,
                0,
                error,
                close_code=self.close_code,
                namespace=namespace,
            )
        self.namespaces.clear()
        self.rooms.clear()

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Leave every namespace (``DISCONNECT`` packets), close the connection with a WebSocket
        close handshake (timed on each ``disconnect <namespace>`` row), and stop the handler
        dispatcher. Safe to call twice, while reconnecting, or on a connection that never opened."""
        if self.connected and self._ws is not None:
            with contextlib.suppress(ConnectionClosed):
                for namespace in list(self.namespaces):
                    self._send_packet(self._ws, packets.disconnect_frames(namespace))
        super().close(code, reason)
        dispatcher, self._dispatcher = self._dispatcher, None
        if dispatcher is not None:
            dispatcher.kill(block=True, timeout=1.0)

    # -- sending ----------------------------------------------------------------------------

    def emit(
        self,
        event: str,
        data: Any = None,
        *,
        namespace: str = "/",
        room: str | None = None,
        stamp: bool = False,
        name: str | None = None,
    ) -> int:
        """Send ``event`` with ``data`` (a tuple is several arguments) and return the bytes sent.

        Reported as ``emit <event>`` (or ``name``) with no response time. ``room`` adds the
        ``room_key`` field to a dict payload (how rooms are addressed by servers such as the
        demo's); ``stamp`` adds ``client_ts`` and ``sender`` so that receivers report ``fanout``."""
        name = name or f"emit {event}"
        ws = self._open_namespace(namespace, name)
        frames = packets.event_frames(event, self._payload(data, room, stamp), namespace)
        try:
            size, send_ms = self._send_packet(ws, frames)
        except ConnectionClosed as error:
            self._report.fire(Kind.SEND, name, None, 0, error, namespace=namespace)
            raise
        self._report.fire(Kind.SEND, name, None, size, namespace=namespace, send_ms=send_ms)
        return size

    def call(
        self,
        event: str,
        data: Any = None,
        *,
        namespace: str = "/",
        room: str | None = None,
        stamp: bool = False,
        timeout: float | None = None,
        name: str | None = None,
        catch_response: bool = False,
    ) -> Reply:
        """Emit ``event`` asking for an ack and wait for it: one ``call <event>`` (or ``name``) row
        with the round trip in ms, or a failure ``no ack within N s`` after ``timeout`` (default
        ``ack_timeout``). ``reply.data`` is the ack's payload (one argument as is, several as a
        tuple); ``catch_response`` lets the locustfile judge it before it is reported."""
        name = name or f"call {event}"
        ws = self._open_namespace(namespace, name)
        ack_id = next(self._ack_ids)
        frames = packets.event_frames(event, self._payload(data, room, stamp), namespace, ack_id)
        return self._round_trip(
            Reply(name),
            (namespace, ack_id),
            lambda budget: self._send_packet(ws, frames, budget),
            timeout,
            catch_response,
            AckTimeout,
        )

    def join(
        self, room: str, *, namespace: str = "/", event: str = "join", timeout: float | None = None
    ) -> Reply:
        """Ask the server to put us in ``room`` (``call(event, {room_key: room})``, reported as
        ``call join``). An ack such as ``{"ok": false, "error": "rate_limited"}`` makes it a
        failure (``ActionRefused``); on success ``rooms[namespace]`` holds the room."""
        return self._room_action(event, room, namespace, timeout, joined=True)

    def leave(
        self, room: str, *, namespace: str = "/", event: str = "leave", timeout: float | None = None
    ) -> Reply:
        """The counterpart of ``join``: ``call(event, {room_key: room})`` as ``call leave``."""
        return self._room_action(event, room, namespace, timeout, joined=False)

    def _room_action(
        self, event: str, room: str, namespace: str, timeout: float | None, joined: bool
    ) -> Reply:
        with self.call(
            event, {self.room_key: room}, namespace=namespace, timeout=timeout, catch_response=True
        ) as reply:
            refusal = _refusal(event, reply.data) if reply.ok else None
            if refusal is not None:
                reply.failure(refusal)
            elif reply.ok:
                rooms = self.rooms.setdefault(namespace, set())
                (rooms.add if joined else rooms.discard)(room)
        return reply

    def _payload(self, data: Any, room: str | None, stamp: bool) -> Any:
        if room is None and not stamp:
            return data
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise TypeError("room= and stamp= need a dict payload (or none)")
        if room is not None:
            data = {**data, self.room_key: room}
        if stamp:
            data = stamp_for_fanout(data, self.client_id, self.client_ts_key, self.sender_key)
        return data

    def _open_namespace(self, namespace: str, name: str) -> Transport:
        ws = self._open_connection(name)
        if namespace not in self.namespaces:
            raise self._report_not_connected(name, f"namespace {namespace} not connected")
        return ws

    def _send_packet(
        self, ws: Transport, frames: list[packets.Frame], timeout: float | None = None
    ) -> tuple[int, float]:
        """Send one packet's frames back to back; returns (bytes, ms spent sending)."""
        size, send_ms = 0, 0.0
        with self._send_lock:
            for frame, opcode in frames:
                send_ms += self._send_frame(ws, frame, opcode, timeout)
                size += len(frame)
        return size, send_ms

    # -- receiving --------------------------------------------------------------------------

    def on(
        self, event: str, handler: EventHandler | None = None, *, namespace: str = "/"
    ) -> Callable[[EventHandler], EventHandler] | EventHandler:
        """Register ``handler(*args)`` for ``event`` in ``namespace`` (``"*"``: every event, called
        as ``handler(event, *args)``), or use as ``@session.on("chat")``. Handlers run in order in
        a dispatch greenlet, not in the reader: a slow one delays later handlers but no timing and
        no heartbeat. When the server asked for an ack, the return value is sent as the ack. An
        exception is a failure entry ``handler <name>``."""

        def register(function: EventHandler) -> EventHandler:
            self._handlers.setdefault((namespace, event), []).append(function)
            return function

        return register if handler is None else register(handler)

    def wait_for(
        self,
        event: str,
        predicate: Callable[[Any], bool] | None = None,
        timeout: float | None = None,
        *,
        namespace: str = "/",
        name: str | None = None,
    ) -> Any:
        """Wait in the task for the next ``event`` in ``namespace`` whose data satisfies
        ``predicate``; return its data (as ``SocketIOEvent.data``), or ``None`` after ``timeout``
        seconds. With ``name`` the wait is reported: time until the event, or a failure."""

        def matches(message: packets.SocketIOEvent) -> bool:
            return (
                message.name == event
                and message.namespace == namespace
                and (predicate is None or predicate(message.data))
            )

        message = self._wait(matches, timeout, name)
        return None if message is None else message.data

    def _on_data(self, opcode: int, payload: bytes) -> None:
        received_at = perf_counter()
        try:
            if opcode == packets.OPCODE_BINARY:
                self._on_attachment(payload, received_at)
                return
            kind = payload[0] if payload else -1
            if kind == packets.ENGINE_MESSAGE:
                self.messages_in += 1
                self.bytes_in += len(payload)
                self._on_packet(
                    packets.decode_message(payload[1:].decode("utf-8")), received_at, len(payload)
                )
            elif kind == packets.ENGINE_PING:
                self._on_ping(received_at)
            elif kind == packets.ENGINE_OPEN:
                self._resolve(_OPEN_KEY, packets.parse_open(payload.decode("utf-8")), received_at, 0)
            elif kind not in (packets.ENGINE_CLOSE, packets.ENGINE_NOOP):
                raise ValueError(f"unexpected Engine.IO packet {payload[:20]!r}")
            # CLOSE: the server ends the session; the transport closes right after it.
        except ValueError as error:  # also UnicodeDecodeError: a broken packet, not a broken link
            self._report.fire(Kind.RECV, "recv", None, len(payload), error)

    def _on_ping(self, received_at: float) -> None:
        """Answer at once (in the reader, so nothing a task or handler does can delay it)."""
        gap_ms = (received_at - self._last_ping) * 1000.0
        self._last_ping = received_at
        ws = self._ws
        if ws is not None:
            try:
                ws.send(packets.PONG_FRAME, packets.OPCODE_TEXT)
            except (OSError, websocket.WebSocketException):
                return  # the reader sees the loss next
        self._report.fire(Kind.HEARTBEAT, "heartbeat", gap_ms)

    def _on_attachment(self, payload: bytes, received_at: float) -> None:
        self.messages_in += 1
        self.bytes_in += len(payload)
        if self._binary is None:
            raise ValueError("binary frame without a Socket.IO packet announcing it")
        packet, length = self._binary
        length += len(payload)
        self._binary = (packet, length)
        if packet.add_attachment(payload):
            self._binary = None
            self._on_packet(packet, received_at, length)

    def _on_packet(
        self, packet: sio.Packet | packets.SocketIOPacket, received_at: float, length: int
    ) -> None:
        kind, namespace = packet.packet_type, packet.namespace
        if packet.attachment_count > len(packet.attachments):
            self._binary = (packet, length)
        elif kind in (sio.EVENT, sio.BINARY_EVENT):
            self._on_event(namespace, packet.id, packet.data, received_at, length)
        elif kind in (sio.ACK, sio.BINARY_ACK):
            self._resolve((namespace, packet.id), packets.unpack_args(packet.data or ()), received_at, length)
        elif kind == sio.CONNECT:
            self.namespaces[namespace] = packet.data.get("sid", "") if isinstance(packet.data, dict) else ""
            self._resolve(("connect", namespace), None, received_at, length)
        elif kind == sio.CONNECT_ERROR:
            refusal = NamespaceRefused(namespace, packets.refusal_message(packet.data))
            self._resolve(("connect", namespace), refusal, received_at, length)
        elif kind == sio.DISCONNECT:
            self._on_server_disconnect(namespace)

    def _on_event(
        self, namespace: str, ack_id: int | None, data: list, received_at: float, length: int
    ) -> None:
        event, args = data[0], tuple(data[1:])
        self._report.fire(Kind.RECV, f"recv {event}", None, length, namespace=namespace)
        if args and isinstance(args[0], dict):
            self._measure_latency(args[0])
        handlers = self._handlers.get((namespace, event))
        catch_all = self._handlers.get((namespace, CATCH_ALL))
        if handlers or catch_all or ack_id is not None:
            self._dispatch((namespace, event, args, ack_id, handlers or [], catch_all or [], self._ws))
        if self._waiters:
            self._wake_waiters(packets.SocketIOEvent(namespace, event, args), received_at, length)

    def _on_server_disconnect(self, namespace: str) -> None:
        """The server disconnected ``namespace``: not an error, and (as in Socket.IO clients) not
        reconnected. Once no namespace is left the connection is closed; with reconnecting on, the
        next emit opens it again."""
        if self.namespaces.pop(namespace, None) is None:
            return
        self.rooms.pop(namespace, None)
        self._report.fire(Kind.CLOSE, f"disconnect {namespace}", None, 0, namespace=namespace)
        if not self.namespaces and self._ws is not None:
            self._closing = True
            try:
                self._ws.send_close(1000)
            except (OSError, websocket.WebSocketException):
                self._ws.shutdown()

    def _on_disconnect(self, ws: Transport, closed: Closed | None) -> None:
        self._binary = None
        super()._on_disconnect(ws, closed)

    # -- heartbeats -------------------------------------------------------------------------

    def _heartbeat_tick(self, ws: Transport, now: float) -> float | None:
        """Engine.IO's rule: the server pings every pingInterval, and a client that hears no ping
        for pingInterval + pingTimeout treats the connection as dead. Run by the process's
        heartbeat scheduler; returns when to check again."""
        if ws is not self._ws or not self.connected:
            return None
        limit = self.ping_interval + self.pong_timeout
        due = self._last_ping + limit
        if now < due:
            return due
        self._report.fire(Kind.HEARTBEAT, "heartbeat", None, 0, HeartbeatMissed(limit))
        ws.lose(f"missed heartbeat (no ping within {limit:g} s)")
        return None

    # -- handlers ---------------------------------------------------------------------------

    def _dispatch(self, item: tuple) -> None:
        """Queue an event for its handlers (``_dispatch_loop`` takes it from there)."""
        if self._dispatcher is None or self._dispatcher.dead:
            self._inbox = Queue()
            self._dispatcher = gevent.spawn(self._dispatch_loop, self._inbox)
        assert self._inbox is not None
        self._inbox.put(item)

    def _dispatch_loop(self, inbox: Queue) -> None:
        for namespace, event, args, ack_id, handlers, catch_all, ws in inbox:
            results = [self._run_handler(handler, args) for handler in handlers]
            results += [self._run_handler(handler, (event, *args)) for handler in catch_all]
            # An ack id belongs to the connection that carried the event: never ack on a new one.
            if ack_id is not None and ws is self._ws and self.connected:
                result = next((r for ok, r in results if ok and r is not None), None)
                with contextlib.suppress(ConnectionClosed):  # the reader reports the loss
                    self._send_packet(ws, packets.ack_frames(namespace, ack_id, result))

    def _run_handler(self, handler: EventHandler, args: tuple) -> tuple[bool, Any]:
        handler_name = getattr(handler, "__name__", type(handler).__name__)
        start = perf_counter()
        try:
            return True, handler(*args)
        except Exception as error:  # noqa: BLE001 - a broken handler must not stop the others
            self._report.fire(
                Kind.HANDLER, f"handler {handler_name}", None, 0, HandlerError(handler_name, error)
            )
            return False, None
        finally:
            took_ms = (perf_counter() - start) * 1000.0
            if took_ms > self.slow_handler_ms and handler_name not in self._slow_handlers:
                self._slow_handlers.add(handler_name)
                logger.warning(
                    "Socket.IO handler %s took %.0f ms: handlers run one after another, so later "
                    "events wait for their handlers (their measured latencies do not). Move slow "
                    "work into a task.",
                    handler_name,
                    took_ms,
                )


def _endpoint(url: str, socketio_path: str) -> str:
    """The Engine.IO endpoint for ``url`` (absolute, or "" for the host): its path is replaced by
    ``/<socketio_path>/``, as Socket.IO clients do; its query string is kept."""
    path = "/" + socketio_path.strip("/") + "/"
    if not url:
        return path
    parts = urlsplit(url)
    if "://" not in url:
        raise ValueError(f"Socket.IO url must be absolute (http://, https://, ws://, wss://), got {url!r}")
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def _refusal(action: str, ack: Any) -> ActionRefused | None:
    """An error ack by the common convention (``{"ok": false, "error": ...}`` or an ``error`` key)."""
    if not isinstance(ack, dict) or (ack.get("ok") is not False and "error" not in ack):
        return None
    return ActionRefused(action, str(ack.get("error", "refused")), str(ack.get("reason") or ""))
