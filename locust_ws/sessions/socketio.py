"""``SocketIOSession``: a Socket.IO v4 client (Socket.IO protocol v5 over Engine.IO v4) on our own
``WebSocketConnection``, and every measurement taken on it.

python-socketio's threaded ``Client`` is not used, only its packet classes: the session runs on
the same reader greenlet, reconnect with backoff and jitter, connect pacing and close-code
reporting that plain WebSockets get, and plugs into ``WebSocketConnection`` through its hooks
only. As in python-socketio, the layers are objects the session has:

- ``self.eio``, an ``EngineIOClient`` (``engineio.py``): the transport, the open packet, the
  answers to the server's pings and the watchdog for missing ones;
- the session itself: namespaces, events, acks, handlers, and their rows;
- a ``RoomConvention`` (``rooms.py``): ``join``/``leave``, an app convention, not Socket.IO's.

The Engine.IO open packet and the namespace ``CONNECT`` s run in ``_on_open``, so every background
reconnect repeats them (with a fresh ``auth`` when it is a callable). A namespace the server
refuses is reported once and left out while the others stay connected; it is not asked for again
until the next ``connect`` (unless ``retry_refused_namespaces``), and a connection whose every
namespace was refused is not reconnected. Handlers run in a dispatch greenlet, off the receive
path: a slow handler delays later handlers, never the reader's timings or the heartbeat.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
from collections.abc import Callable, Mapping, Sequence
from time import perf_counter
from typing import Any, NamedTuple

import gevent
from gevent.event import AsyncResult
from gevent.lock import Semaphore
from locust.event import EventHook
from socketio import packet as sio

from ..errors import (
    AckTimeout,
    ConnectError,
    ConnectionClosed,
    ConnectTimeout,
    NamespaceRefused,
    PayloadError,
    ResubscribeError,
)
from ..protocol import socketio_packets as packets
from ..protocol.deflate import CompressionSetting
from ..protocol.engineio import EngineOpen, endpoint
from ..protocol.messages import stamp_for_fanout
from ..redaction import payload_secrets
from ..transport.heartbeats import HeartbeatTimer
from ..transport.wire import Transport
from .connection import WebSocketConnection, encoded, send_timing
from .engineio import EngineIOClient
from .events import Kind
from .replies import Reply
from .rooms import RoomConvention

EventHandler = Callable[..., Any]
CATCH_ALL = "*"

_OPEN_KEY = ("engine.io", "open")


class _Delivery(NamedTuple):
    """An inbound event on its way to its handlers, with the transport that carried it: an ack
    goes back on that one or not at all."""

    namespace: str
    event: str
    args: tuple[Any, ...]
    ack_id: int | None
    handlers: list[EventHandler]
    catch_all: list[EventHandler]
    ws: Transport | None


class SocketIOSession(WebSocketConnection):
    """One Socket.IO connection (several namespaces on it) that reports to Locust. ``SocketIOUser``
    creates it as ``self.client``.

    Rows it adds to the stats (request type ``SIO``; times in milliseconds):

    - ``connect <path>``: one per connection, from opening it to the last namespace's answer; a
      failure when the attempt failed.
    - ``namespace <namespace>``: from opening the connection to the server accepting the
      namespace; a refusal is a failure, reported once.
    - ``emit <event>``: an event sent, timed by the write (size of the encoded packet in bytes).
    - ``call <event>``: an event sent with an ack request, until the ack arrived.
    - every inbound event, handled or not, on one row (packet bytes): ``fanout`` / ``server
      push`` when stamped (``client_ts`` / ``server_ts``) as for WebSockets, else ``recv <event>``
      (no response time).
    - ``heartbeat``: an Engine.IO ping from the server, timed since the previous one (so it reads
      pingInterval while the server is healthy); a missed one is a failure.
    - ``disconnect <namespace>``: the end of a joined namespace: our close (timed), the server
      disconnecting it, or the connection's end; then ``close <path>``, the connection's end
      (failures as for WebSockets, once per connection).
    - ``reconnect <path>``: a lost connection reopened in the background, namespaces included.
    """

    __slots__ = (
        "__dict__",
        "__weakref__",
        "_ack_ids",
        "_auth",
        "_binary",
        "_handlers",
        "_joined",
        "_refused",
        "_requested",
        "_rooms",
        "_send_lock",
        "eio",
        "namespaces",
        "rejoin_rooms",
        "retry_refused_namespaces",
    )

    request_type = "SIO"

    def __init__(
        self,
        base_url: str | None,
        request_event: EventHook,
        user: Any = None,
        *,
        ack_timeout: float = 5.0,
        room_key: str = "room",
        retry_refused_namespaces: bool = False,
        rejoin_rooms: bool = True,
        **options: Any,
    ) -> None:
        """``ack_timeout``: default seconds ``call`` and ``wait_for`` wait; ``room_key``: the
        payload key of ``room=``, ``join`` and ``leave``; ``retry_refused_namespaces``: ask again
        on every reconnect for the namespaces the server refused (see the attribute);
        ``rejoin_rooms``: after a reconnect, join again the rooms ``join`` had put us in;
        ``options``: ``WebSocketConnection``'s (``connect_timeout``, ``close_timeout``, stamp keys,
        ``backoff``, ``connect_gate``, ``sslopt``, ``slow_handler_ms``). The heartbeat comes from
        the server, so it takes no ping options."""
        super().__init__(
            base_url,
            request_event,
            user,
            reply_timeout=ack_timeout,
            ping_interval=0.0,  # no WebSocket pings: Engine.IO has a heartbeat of its own
            # _on_message decodes every text packet itself (bad UTF-8 is a malformed-packet
            # failure), so the protocol's own pass over each frame would only cost time.
            skip_utf8_validation=True,
            **options,
        )
        self.eio = EngineIOClient(self._report, self._on_engineio_open, self._on_message)
        """The Engine.IO layer: the transport, the open packet (``sid``; ``ping_interval`` and
        ``ping_timeout`` in seconds) and the heartbeat."""
        self._rooms = RoomConvention(self.call, room_key)
        self.retry_refused_namespaces = retry_refused_namespaces
        """Ask the server again, on every reconnect, for the namespaces it refused, and keep
        reconnecting when it refused them all. Off by default: a refusal (bad auth, an unknown
        namespace) would only be refused again, so a refused namespace stays out until the next
        ``connect``."""
        self.namespaces: dict[str, str] = {}
        """Connected namespaces and their Socket.IO session ids."""
        self.rejoin_rooms = rejoin_rooms
        self._joined: dict[tuple[str, str], str] = {}  # (namespace, room) -> join event, kept on loss
        self._requested: tuple[str, ...] = ("/",)
        self._refused: dict[str, NamespaceRefused] = {}  # until the next connect()
        self._auth: Any = None
        self._ack_ids = itertools.count(1)
        self._handlers: dict[tuple[str, str], list[EventHandler]] = {}
        self._binary: tuple[sio.Packet, int] | None = None  # a packet waiting for attachments
        self._send_lock = Semaphore()  # a packet's frames must not interleave with another's

    @property
    def sid(self) -> str | None:
        """The Engine.IO session id of the current connection."""
        return self.eio.sid

    @property
    def transport(self) -> str:
        """The transport: "websocket", or "polling" for Engine.IO long-polling."""
        return self.eio.transport

    @property
    def rooms(self) -> dict[str, set[str]]:
        """Rooms joined through ``join`` per namespace, as the server confirmed them."""
        return self._rooms.joined

    @property
    def room_key(self) -> str:
        """The payload key of the room name in ``room=``, ``join`` and ``leave``."""
        return self._rooms.room_key

    @room_key.setter
    def room_key(self, key: str) -> None:
        self._rooms.room_key = key

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
        tags: Mapping[str, object] | None = None,
    ) -> None:
        """Connect to the Socket.IO server at ``url`` (default: the user's host) and to each of
        ``namespaces``: one ``connect <path>`` row, one ``namespace <namespace>`` row each.

        ``auth`` (a dict, or a callable returning one, called on every reconnect) is sent in the
        namespace ``CONNECT`` packets, ``headers`` and ``query`` with the HTTP handshake. The
        WebSocket transport is used whenever ``transports`` allows it; ``["polling"]`` selects
        Engine.IO long-polling instead (no upgrade). A namespace the server refuses is a failed
        ``connect <namespace>`` row and stays out of ``namespaces``, the others stay connected.
        A refused handshake, a handshake that does not complete, or every namespace refused
        raises a ``ConnectError`` carrying the server's message, after reporting it.
        ``compression`` offers permessage-deflate on the WebSocket transport, as for
        ``WebSocketSession.connect``; ``tags`` replace the session's ``tags`` first."""
        if tags is not None:
            self.tags = tags
        namespaces = (namespaces,) if isinstance(namespaces, str) else tuple(namespaces)
        if not namespaces or not all(isinstance(n, str) and n.startswith("/") for n in namespaces):
            raise ValueError(f"namespaces must be names starting with '/', got {namespaces!r}")
        self.eio.choose_transport(transports)
        self._requested = namespaces
        self._refused.clear()
        self._auth = auth
        self._joined.clear()  # a connection of the locustfile's own starts in no room
        self._connect(
            {
                "path_or_url": endpoint(url, socketio_path),
                "headers": headers,
                "subprotocols": None,
                "query": (
                    (lambda: self.eio.handshake_query(query()))
                    if callable(query)
                    else self.eio.handshake_query(query)
                ),
                "name": None,
                "compression": compression,
            }
        )

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Leave every namespace (``DISCONNECT`` packets), close the connection with a WebSocket
        close handshake (timed on each ``disconnect <namespace>`` row), and stop the handler
        dispatcher. Safe to call twice, while reconnecting, or on a connection that never opened."""
        if self.connected and self._ws is not None:
            with contextlib.suppress(ConnectionClosed):
                for namespace in list(self.namespaces):
                    self._send_packet(self._ws, packets.disconnect_frames(namespace))
        super().close(code, reason)
        self._joined.clear()

    def _wanted(self) -> tuple[str, ...]:
        """The namespaces a (re)connect asks for: the requested ones the server has not refused
        (all of them with ``retry_refused_namespaces``)."""
        if self.retry_refused_namespaces:
            return self._requested
        return tuple(namespace for namespace in self._requested if namespace not in self._refused)

    # -- WebSocketConnection's hooks --------------------------------------------------------

    def _create_connection(self, url: str, options: dict[str, Any]) -> Transport:
        return self.eio.open(url, options)

    def _start_heartbeat(self, ws: Transport) -> HeartbeatTimer:
        return self.eio.start_watchdog(ws)

    def _on_data(self, opcode: int, payload: bytes) -> None:
        try:
            self.eio.receive(opcode, payload, perf_counter())
        except ValueError as error:  # also UnicodeDecodeError: a broken packet, not a broken link
            self._report.fire(Kind.RECV, "recv", None, len(payload), error)

    def _on_open(self, ws: Transport, started: float, handshake_ms: float) -> None:
        """The Engine.IO open packet, then one ``CONNECT`` per namespace wanted, answered in any
        order; ``_settle`` decides what the answers make of the connection."""
        self.namespaces.clear()
        self._binary = None
        deadline = started + self.connect_timeout
        try:
            self._await(_OPEN_KEY, deadline, "no Engine.IO open packet")
        except ConnectError as failure:
            self._report_connect((perf_counter() - started) * 1000.0, failure)
            raise
        wanted = self._wanted()
        auth = self._auth() if callable(self._auth) else self._auth
        self._report.secrets |= payload_secrets(auth)
        waiting = {namespace: self._expect(("connect", namespace)) for namespace in wanted}
        for namespace in wanted:
            try:
                self._send_packet(ws, packets.connect_frames(namespace, auth))
            except ConnectionClosed:
                break  # every namespace then fails in _await, with the reason the reader saw
        errors: list[ConnectError] = []
        for namespace in wanted:
            error: ConnectError | None
            try:
                outcome, received_at, _ = self._await(
                    ("connect", namespace), deadline, f"no answer to CONNECT {namespace}", waiting[namespace]
                )
                error = outcome if isinstance(outcome, NamespaceRefused) else None
                elapsed = (received_at - started) * 1000.0
            except ConnectError as failure:
                error, elapsed = failure, (perf_counter() - started) * 1000.0
            self._report.fire(
                Kind.NAMESPACE, f"namespace {namespace}", elapsed, 0, error, namespace=namespace
            )
            if error is not None:
                errors.append(error)
        connect_ms = (perf_counter() - started) * 1000.0
        try:
            self._settle(errors)
        except ConnectError as failure:
            self._report_connect(connect_ms, failure)
            raise
        self._report_connect(connect_ms)

    def _settle(self, errors: list[ConnectError]) -> None:
        """What the namespaces' failed answers make of the connection. Refusals are remembered
        (unless ``retry_refused_namespaces``), so that no reconnect asks for them again. The
        connection stays up when a namespace connected and nothing but refusals failed; otherwise
        the attempt fails with the first failure, and when the server refused every namespace,
        reopening cannot help: the connection stays down until the next ``connect``."""
        refusals = [error for error in errors if isinstance(error, NamespaceRefused)]
        failures = [error for error in errors if not isinstance(error, NamespaceRefused)]
        if not self.retry_refused_namespaces:
            self._refused.update((refusal.namespace, refusal) for refusal in refusals)
        if not errors or (self.namespaces and not failures):
            return  # up, perhaps without the namespaces the server refused
        self._report_namespaces_ended(None)  # the namespaces that did connect go with the rest
        if failures:
            raise failures[0]
        if not self.retry_refused_namespaces:
            self._give_up(str(refusals[0]))
        raise refusals[0]

    def _report_close(self, response_time: float | None, error: Exception | None = None) -> None:
        """Socket.IO's view of a closing connection: each joined namespace is disconnected
        (``disconnect <namespace>``), then the connection closes (``close <path>``), which alone
        carries the failure of a lost or refused close: one connection, one failure."""
        self._report_namespaces_ended(response_time)
        super()._report_close(response_time, error)

    def _report_namespaces_ended(self, response_time: float | None) -> None:
        """Every joined namespace ends with its connection: one ``disconnect <namespace>`` row
        each, so every successful ``namespace <namespace>`` row gets its end."""
        for namespace in self.namespaces:
            self._report.fire(
                Kind.DISCONNECT, f"disconnect {namespace}", response_time, 0, namespace=namespace
            )
        self.namespaces.clear()
        self._rooms.forget()

    # -- handshake answers ------------------------------------------------------------------

    def _on_engineio_open(self, opened: EngineOpen, received_at: float) -> None:
        self._resolve(_OPEN_KEY, opened, received_at, 0)

    def _expect(self, key: tuple[str, str]) -> AsyncResult[tuple[Any, float, int]]:
        waiter: AsyncResult[tuple[Any, float, int]] = AsyncResult()
        self._pending[key] = waiter
        return waiter

    def _await(
        self,
        key: tuple[str, str],
        deadline: float,
        phase: str,
        waiter: AsyncResult[tuple[Any, float, int]] | None = None,
    ) -> tuple[Any, float, int]:
        """Wait for a handshake answer resolved by the reader, as a ``ConnectError`` on failure
        (a timeout names the ``phase`` that did not complete)."""
        if waiter is None:
            waiter = self._expect(key)
        try:
            answer = waiter.get(timeout=max(0.0, deadline - perf_counter()))
            assert answer is not None  # get() returns a value or raises
            return answer
        except gevent.Timeout:
            raise ConnectTimeout(self.connect_timeout, phase) from None
        except ConnectionClosed as closed:
            raise ConnectError(f"connection lost during the Socket.IO handshake: {closed.reason}") from None
        finally:
            self._pending.pop(key, None)

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
        tags: Mapping[str, object] | None = None,
    ) -> int:
        """Send ``event`` with ``data`` (a tuple is several arguments) and return the bytes sent.

        Reported as ``emit <event>`` (or ``name``), timed by the write. ``room`` adds the
        ``room_key`` field to a dict payload (how rooms are addressed by servers such as the
        demo's); ``stamp`` adds ``client_ts`` and ``sender`` so that receivers report ``fanout``. A
        value that cannot be encoded (or a ``room``/``stamp`` on a non-dict) is a failure ``cannot
        encode payload: ...`` and raises a ``PayloadError`` that ends the task quietly; nothing is
        sent (``call`` reports it as its failed round trip). ``tags`` go on its event, merged over the
        session's."""
        name = name or f"emit {event}"
        call_tags = self._report.merged(tags) if tags else None
        ws = self._open_namespace(namespace, name)
        frames = self._encoded_send(
            name,
            lambda: packets.event_frames(event, self._payload(data, room, stamp), namespace),
            call_tags,
            namespace=namespace,
        )
        try:
            size, send_ms, blocked = self._send_packet(ws, frames)
        except ConnectionClosed as error:
            self._report.fire(Kind.SEND, name, None, 0, error, call_tags, namespace=namespace)
            raise
        context = send_timing(send_ms, blocked)
        context["namespace"] = namespace
        self._report.fire(Kind.SEND, name, send_ms, size, None, call_tags, **context)
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
        tags: Mapping[str, object] | None = None,
    ) -> Reply:
        """Emit ``event`` asking for an ack and wait for it: one ``call <event>`` (or ``name``) row
        with the round trip in ms, or a failure ``no ack within N s`` after ``timeout`` (default
        ``ack_timeout``). ``reply.data`` is the ack's payload (one argument as is, several as a
        tuple); ``catch_response`` lets the locustfile judge it before it is reported; ``tags`` go
        on its event, merged over the session's."""
        name = name or f"call {event}"
        call_tags = self._report.merged(tags) if tags else None
        ws = self._open_namespace(namespace, name)
        ack_id = next(self._ack_ids)
        reply = Reply(name)
        try:
            frames = encoded(
                lambda: packets.event_frames(event, self._payload(data, room, stamp), namespace, ack_id)
            )
        except PayloadError as error:
            reply.error = error
            return self._finish(reply, catch_response, sent_bytes=None)
        return self._round_trip(
            reply,
            (namespace, ack_id),
            lambda budget: self._send_packet(ws, frames, budget),
            timeout,
            catch_response,
            AckTimeout,
            call_tags,
        )

    def join(
        self, room: str, *, namespace: str = "/", event: str = "join", timeout: float | None = None
    ) -> Reply:
        """Ask the server to put us in ``room`` (``call(event, {room_key: room})``, reported as
        ``call join``). An ack such as ``{"ok": false, "error": "rate_limited"}`` makes it a
        failure (``ActionRefused``); on success ``rooms[namespace]`` holds the room."""
        return self._remember(
            self._rooms.join(room, namespace=namespace, event=event, timeout=timeout), room, namespace, event
        )

    def leave(
        self, room: str, *, namespace: str = "/", event: str = "leave", timeout: float | None = None
    ) -> Reply:
        """The counterpart of ``join``: ``call(event, {room_key: room})`` as ``call leave``."""
        return self._remember(
            self._rooms.leave(room, namespace=namespace, event=event, timeout=timeout), room, namespace, None
        )

    def _remember(self, reply: Reply, room: str, namespace: str, event: str | None) -> Reply:
        """Keep a confirmed join (its event, for the rejoin) or leave in ``_joined``, which, unlike
        ``rooms``, outlives a lost connection."""
        if reply.ok and event is not None:
            self._joined[(namespace, room)] = event
        elif reply.ok:
            self._joined.pop((namespace, room), None)
        return reply

    def _has_resubscription(self) -> bool:
        return super()._has_resubscription() or (self.rejoin_rooms and bool(self._joined))

    def _resubscribe(self, reopened: bool) -> None:
        """Rooms first (``rejoin_rooms``: the server forgot them with the old connection), then the
        ``on_connect`` hooks, which may rely on being back in them."""
        if reopened and self.rejoin_rooms:
            for (namespace, room), event in list(self._joined.items()):
                if namespace in self.namespaces and not self.join(room, namespace=namespace, event=event).ok:
                    raise ResubscribeError(f"rejoin {room}", f"{event} {room} in {namespace} failed")
        super()._resubscribe(reopened)

    def _payload(self, data: Any, room: str | None, stamp: bool) -> Any:
        if room is None and not stamp:
            return data
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise PayloadError("room= and stamp= need a dict payload (or none)")
        if room is not None:
            data = self._rooms.address(data, room)
        if stamp:
            data = stamp_for_fanout(data, self.client_id, self.client_ts_key, self.sender_key)
        return data

    def _open_namespace(self, namespace: str, name: str) -> Transport:
        ws = self._open_connection(name)
        if namespace not in self.namespaces:
            refusal = self._refused.get(namespace)
            why = "" if refusal is None else f" (refused: {refusal.server_message})"
            raise self._report_not_connected(name, f"namespace {namespace} not connected{why}")
        return ws

    def _send_packet(
        self, ws: Transport, frames: list[packets.Frame], timeout: float | None = None
    ) -> tuple[int, float, bool]:
        """Send one packet's frames back to back; returns (bytes, ms spent sending, whether a
        frame blocked)."""
        size, send_ms, blocked = 0, 0.0, False
        with self._send_lock:
            for frame, opcode in frames:
                frame_ms, frame_blocked = self._send_frame(ws, frame, opcode, timeout)
                send_ms += frame_ms
                blocked = blocked or frame_blocked
                size += len(frame)
        return size, send_ms, blocked

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
        tags: Mapping[str, object] | None = None,
    ) -> Any:
        """Wait in the task for the next ``event`` in ``namespace`` whose data satisfies
        ``predicate``; return its data (as ``SocketIOEvent.data``), or ``None`` after ``timeout``
        seconds. With ``name`` the wait is reported: time until the event, or a failure; with
        ``tags`` over the session's."""

        def matches(message: packets.SocketIOEvent) -> bool:
            return (
                message.name == event
                and message.namespace == namespace
                and (predicate is None or predicate(message.data))
            )

        message = self._wait(matches, timeout, name, tags)
        return None if message is None else message.data

    def _on_message(self, data: str | bytes, received_at: float, length: int) -> None:
        """An Engine.IO message: a Socket.IO packet (text) or an attachment of one (binary)."""
        self.messages_in += 1
        self.bytes_in += length
        if isinstance(data, str):
            self._on_packet(packets.decode_message(data), received_at, length)
        else:
            self._on_attachment(data, received_at)

    def _on_attachment(self, payload: bytes, received_at: float) -> None:
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
        self, namespace: str, ack_id: int | None, data: list[Any], received_at: float, length: int
    ) -> None:
        event, args = data[0], tuple(data[1:])
        self._report_inbound(args[0] if args else None, f"recv {event}", length, namespace=namespace)
        handlers = self._handlers.get((namespace, event))
        catch_all = self._handlers.get((namespace, CATCH_ALL))
        if handlers or catch_all or ack_id is not None:
            delivery = _Delivery(namespace, event, args, ack_id, handlers or [], catch_all or [], self._ws)
            self._handler_jobs.submit(functools.partial(self._deliver, delivery))
        if self._waiters:
            self._wake_waiters(packets.SocketIOEvent(namespace, event, args), received_at, length)

    def _on_server_disconnect(self, namespace: str) -> None:
        """The server disconnected ``namespace``: not an error, and (as in Socket.IO clients) not
        reconnected. Once no namespace is left the connection is closed; with reconnecting on, the
        next emit opens it again."""
        if self.namespaces.pop(namespace, None) is None:
            return
        self._rooms.forget(namespace)
        self._joined = {key: event for key, event in self._joined.items() if key[0] != namespace}
        self._report.fire(Kind.DISCONNECT, f"disconnect {namespace}", None, 0, namespace=namespace)
        if not self.namespaces:
            super()._report_close(None)  # the connection ends with its last namespace
            self._close_quietly()

    # -- handlers ---------------------------------------------------------------------------

    def _deliver(self, delivery: _Delivery) -> None:
        """In the handler greenlet: the event's handlers, then its ack with the first result."""
        namespace, event, args, ack_id, handlers, catch_all, ws = delivery
        run = self._handler_jobs.run_handler
        results = [run(handler, args) for handler in handlers]
        results += [run(handler, (event, *args)) for handler in catch_all]
        # An ack id belongs to the connection that carried the event: never ack on a new one.
        if ack_id is not None and ws is not None and ws is self._ws and self.connected:
            result = next((r for ok, r in results if ok and r is not None), None)
            with contextlib.suppress(ConnectionClosed):  # the reader reports the loss
                self._send_packet(ws, packets.ack_frames(namespace, ack_id, result))
