"""``EngineIOClient``: the Engine.IO layer under a ``SocketIOSession``, an object the session has
(as python-socketio's ``Client`` has an ``engineio.Client``) rather than a base it inherits.

Engine.IO is the part of Socket.IO that is about the connection, not the messages: which transport
carries it (a WebSocket, or HTTP long-polling posing as one), what the server's open packet says
(its session id and its heartbeat), and the heartbeat itself. In v4 the server pings every
pingInterval and the client pongs; a client that has heard no ping for pingInterval + pingTimeout
treats the connection as dead. This object answers each ping from the reader greenlet the moment
it arrives (nothing a task or a handler does can delay a pong) and watches for pings that stop
coming; every Socket.IO message it hands up to the session. Packet parsing is pure and lives in
``protocol/engineio.py``.

The bookkeeping (``opened``, ``pinged``, ``ping_deadline``) takes the time as an argument, so it is
testable without a socket; the rest is the I/O around it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import websocket

from ..errors import HeartbeatMissed
from ..protocol.connection import InvalidState
from ..protocol.engineio import PONG_FRAME, PROTOCOL_VERSION, EngineOpen, PacketType, parse_open
from ..protocol.frames import OPCODE_BINARY, OPCODE_TEXT
from ..transport import heartbeats
from ..transport.polling import PollingTransport
from ..transport.wire import Transport, open_websocket
from .events import Kind
from .reporter import Reporter

TRANSPORTS = ("websocket", "polling")

OpenHandler = Callable[[EngineOpen, float], None]
"""Called with the open packet and when it arrived (``perf_counter`` seconds)."""
MessageHandler = Callable[[str | bytes, float, int], None]
"""Called with a message (``str`` from a text frame, ``bytes`` from a binary one), when it arrived
(``perf_counter`` seconds) and its size on the wire in bytes."""

# Bound once: the reader compares every frame's first byte with them.
_OPEN, _CLOSE, _PING, _MESSAGE, _NOOP = (
    PacketType.OPEN,
    PacketType.CLOSE,
    PacketType.PING,
    PacketType.MESSAGE,
    PacketType.NOOP,
)


class EngineIOClient:
    """The Engine.IO client of one session, kept across its reconnects: each ``open`` starts a new
    Engine.IO session on a new transport. Its heartbeat rows are ``heartbeat``: a server ping,
    timed since the previous one (it reads pingInterval while the server keeps pace), or a failure
    when one is missed."""

    def __init__(self, report: Reporter, on_open: OpenHandler, on_message: MessageHandler) -> None:
        self.transport = "websocket"
        """The transport of the next and current connection: "websocket" or "polling"."""
        self.sid: str | None = None
        """The Engine.IO session id of the current connection (``None`` until its open packet)."""
        self.ping_interval = 0.0
        """Seconds between the server's pings, from its open packet."""
        self.ping_timeout = 0.0
        """Seconds the server waits for our pong, from its open packet; past pingInterval plus
        this without a ping, the connection is dead."""
        self.last_ping = 0.0
        """When (``perf_counter`` seconds) the last ping, or the open packet, arrived."""
        self._report = report
        self._on_open = on_open
        self._on_message = on_message
        self._ws: Transport | None = None

    # -- transport --------------------------------------------------------------------------

    def choose_transport(self, transports: Sequence[str]) -> None:
        """Pick the transport from those allowed: the WebSocket whenever it is, else long-polling
        (there is no upgrade from one to the other)."""
        unknown = set(transports) - set(TRANSPORTS)
        if unknown or not transports:
            raise ValueError(f"transports must be taken from {TRANSPORTS}, got {list(transports)!r}")
        self.transport = "websocket" if "websocket" in transports else "polling"

    def handshake_query(self, query: Mapping[str, object] | None) -> dict[str, object]:
        """The handshake's query string: the caller's, plus the Engine.IO version and transport."""
        return {**(query or {}), "EIO": PROTOCOL_VERSION, "transport": self.transport}

    def open(self, url: str, options: dict[str, Any]) -> Transport:
        """Open the chosen transport on ``url`` (the options of ``wire.open_websocket``); the
        server's open packet then arrives through ``receive``."""
        self.sid = None
        if self.transport == "polling":
            self._ws = PollingTransport.open(url, options)
        else:
            self._ws = open_websocket(url, options)
        return self._ws

    # -- receiving --------------------------------------------------------------------------

    def receive(self, opcode: int, payload: bytes, received_at: float) -> None:
        """One frame of the transport, in the reader greenlet: Engine.IO's own packets are handled
        here, messages go up to the session. A frame that is no Engine.IO packet (or no UTF-8)
        raises ``ValueError``."""
        if opcode == OPCODE_BINARY:  # binary messages travel without a packet type
            self._on_message(payload, received_at, len(payload))
            return
        kind = payload[0] if payload else -1
        if kind == _MESSAGE:
            self._on_message(payload[1:].decode("utf-8"), received_at, len(payload))
        elif kind == _PING:
            self._answer_ping(received_at)
        elif kind == _OPEN:
            self._on_open(self.opened(payload.decode("utf-8"), received_at), received_at)
        elif kind not in (_CLOSE, _NOOP):
            raise ValueError(f"unexpected Engine.IO packet {payload[:20]!r}")
        # CLOSE: the server ends the session; the transport closes right after it.

    def opened(self, text: str, now: float) -> EngineOpen:
        """Take in the server's open packet, arrived at ``now`` (seconds): its session id and
        heartbeat, and the start of the ping watch. ``ValueError`` when it is no open packet."""
        packet = parse_open(text)
        self.sid = packet.sid
        self.ping_interval, self.ping_timeout = packet.ping_interval, packet.ping_timeout
        self.last_ping = now
        return packet

    def pinged(self, now: float) -> float:
        """Count a server ping arrived at ``now``; returns the seconds since the previous one (or
        since the open packet)."""
        gap = now - self.last_ping
        self.last_ping = now
        return gap

    def _answer_ping(self, received_at: float) -> None:
        gap_ms = self.pinged(received_at) * 1000.0
        ws = self._ws
        if ws is not None:
            try:
                ws.send(PONG_FRAME, OPCODE_TEXT)
            except (OSError, websocket.WebSocketException, InvalidState):
                return  # the reader sees the loss (or the close under way) next
        self._report.fire(Kind.HEARTBEAT, "heartbeat", gap_ms)

    # -- watchdog ---------------------------------------------------------------------------

    @property
    def liveness_limit(self) -> float:
        """Seconds the server may stay silent before the connection counts as dead:
        pingInterval + pingTimeout."""
        return self.ping_interval + self.ping_timeout

    def ping_deadline(self) -> float:
        """When (``perf_counter`` seconds) the connection is dead unless a ping comes first."""
        return self.last_ping + self.liveness_limit

    def start_watchdog(self, ws: Transport) -> heartbeats.HeartbeatTimer:
        """Watch ``ws`` for missing pings on the process's heartbeat scheduler; the caller cancels
        the timer when the connection ends. A missed ping is a failed ``heartbeat`` row, and the
        transport is given up as lost (1006), which the session's reconnect policy takes from
        there."""
        return heartbeats.scheduler.start(functools.partial(self._watch, ws), self.ping_deadline())

    def _watch(self, ws: Transport, now: float) -> float | None:
        """A scheduler tick: when to look again, or ``None`` once this connection is over."""
        if ws is not self._ws or ws.closed is not None:
            return None
        due = self.ping_deadline()
        if now < due:
            return due
        limit = self.liveness_limit
        self._report.fire(Kind.HEARTBEAT, "heartbeat", None, 0, HeartbeatMissed(limit))
        ws.lose(f"missed heartbeat (no ping within {limit:g} s)")
        return None
