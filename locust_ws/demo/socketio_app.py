"""Socket.IO side of the demo server: auth, rooms with per-user rate limits, acks and pushes.

Kept separate from the plain WebSocket endpoints because python-socketio brings its own transport
(Engine.IO) and framing. Two namespaces:

- ``/``: open to anyone (an ``auth`` token, when sent, must be valid). ``echo`` acks its data,
  ``slow_echo {"delay_ms": n, "data": x}`` acks ``x`` n ms later; ``push {"count": n}`` emits n
  ``tick`` events stamped with ``server_ts``; ``ask {"event": e}`` calls the client's ``e``
  handler and acks with its answer; ``kick`` disconnects the namespace; ``freeze {"seconds": s}``
  blocks the whole server for up to 5 s (a stalled server: no pings, no acks).
- ``/chat``: needs ``auth={"token": <POST /login token>}`` (or the token in the handshake's
  ``Authorization: Bearer`` header or ``?token=``). ``join``/``leave`` ``{"room": r}`` ack
  ``{"ok": true, ...}`` (and ``join`` emits ``joined``); ``chat {"room": r, ...}`` broadcasts to the
  room with ``server_ts``; ``echo`` acks. Joins are rate limited per user (token): one per
  ``join_cooldown`` seconds, and at most ``room_capacity`` members per room. Over a limit the
  server emits ``rate_limited {"action", "reason", "room", "retry_after_ms"}``, acks
  ``{"ok": false, "error": "rate_limited", ...}`` and counts it in ``/stats``.

Every event the server emits to a client is counted in ``events_out`` (once per recipient), so a
test can compare it with what the clients counted.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import gevent
import gevent.monkey
import socketio

from .auth import TokenStore, token_from_request

FREEZE_LIMIT_S = 5.0
# The unpatched sleep (the demo runs monkey-patched, since locust_ws imports Locust): it blocks the
# whole process, as a stalled event loop or a long GC pause would.
_blocking_sleep = gevent.monkey.get_original("time", "sleep")
PUSH_LIMIT = 10_000


@dataclass(frozen=True)
class SocketIOSettings:
    """Engine.IO heartbeat (seconds) and the ``/chat`` room limits."""

    ping_interval: float = 25.0
    ping_timeout: float = 20.0
    join_cooldown: float = 2.0
    room_capacity: int = 10

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        """``--sio-ping-interval`` and the other ``--sio-*`` options of the demo's command line."""
        defaults = cls()
        for field, kind, text in _OPTIONS:
            parser.add_argument(
                "--sio-" + field.replace("_", "-"),
                type=kind,
                default=getattr(defaults, field),
                help=f"{text} (default: %(default)s)",
            )

    @classmethod
    def from_arguments(cls, args: argparse.Namespace) -> SocketIOSettings:
        """The settings ``add_arguments`` options chose; ``ValueError`` when they are invalid."""
        return cls(**{field: getattr(args, "sio_" + field) for field, _, _ in _OPTIONS})

    def __post_init__(self) -> None:
        # python-engineio tells clients int(ping_interval) * 1000 ms: anything but whole seconds
        # would make clients expect pings at another pace than the server sends them.
        if self.ping_interval < 1 or self.ping_interval != int(self.ping_interval):
            raise ValueError("Socket.IO ping interval must be a whole number of seconds >= 1")
        if self.ping_timeout <= 0:
            raise ValueError("Socket.IO ping timeout must be > 0 seconds")
        if self.join_cooldown < 0 or self.room_capacity < 1:
            raise ValueError("join cooldown must be >= 0 s and room capacity >= 1")


_OPTIONS = (
    ("ping_interval", float, "Socket.IO (Engine.IO) ping interval, whole seconds"),
    ("ping_timeout", float, "Socket.IO (Engine.IO) ping timeout in seconds"),
    ("join_cooldown", float, "seconds between two joins of one user in Socket.IO /chat"),
    ("room_capacity", int, "most members of a Socket.IO /chat room"),
)


class JoinLimits:
    """The ``/chat`` join rules, as pure bookkeeping: times are seconds you pass in."""

    def __init__(self, cooldown: float, capacity: int) -> None:
        self.cooldown = cooldown
        self.capacity = capacity
        self._last_join: dict[str, float] = {}

    def refusal(self, user: str, members: int, now: float) -> tuple[str, float] | None:
        """``(reason, retry_after_s)`` when ``user`` may not join a room of ``members`` now: its
        cooldown since its last successful join is running, or the room is full."""
        wait = self._last_join.get(user, -self.cooldown) + self.cooldown - now
        if wait > 0:
            return "cooldown", wait
        if members >= self.capacity:
            return "room_full", self.cooldown
        return None

    def joined(self, user: str, now: float) -> None:
        self._last_join[user] = now


class SocketIODemo:
    """A ``socketio.Server`` in gevent mode plus the counters ``/stats`` reports under ``socketio``."""

    def __init__(self, tokens: TokenStore, settings: SocketIOSettings | None = None) -> None:
        self.settings = settings or SocketIOSettings()
        self.tokens = tokens
        # Any origin: load generators do not send a browser Origin header worth checking.
        self.sio = socketio.Server(
            async_mode="gevent",
            cors_allowed_origins="*",
            ping_interval=self.settings.ping_interval,
            ping_timeout=self.settings.ping_timeout,
        )
        self.limits = JoinLimits(self.settings.join_cooldown, self.settings.room_capacity)
        self.connected = 0
        self._users: dict[str, str] = {}  # /chat sid -> its token, the user the limits apply to
        self.reset()
        self._register()

    def _register(self) -> None:
        on = self.sio.on
        on("connect", self._on_connect)
        on("disconnect", self._on_disconnect)
        on("echo", self._on_echo)
        on("slow_echo", self._on_slow_echo)
        on("push", self._on_push)
        on("ask", self._on_ask)
        on("kick", self._on_kick)
        on("freeze", self._on_freeze)
        on("connect", self._on_chat_connect, namespace="/chat")
        on("disconnect", self._on_chat_disconnect, namespace="/chat")
        on("echo", self._on_echo, namespace="/chat")
        on("join", self._on_join, namespace="/chat")
        on("leave", self._on_leave, namespace="/chat")
        on("chat", self._on_chat, namespace="/chat")

    def reset(self) -> None:
        """Zero the counters; ``connected`` is a live gauge and survives."""
        self.connects = 0
        self.connects_refused = 0
        self.disconnects = 0
        self.events_in = 0
        self.events_out = 0
        self.acks_out = 0
        self.joins = 0
        self.leaves = 0
        self.rate_limited: Counter[str] = Counter()

    def stats(self) -> dict[str, Any]:
        return {
            "connected": self.connected,
            "connects": self.connects,
            "connects_refused": self.connects_refused,
            "disconnects": self.disconnects,
            "events_in": self.events_in,
            "events_out": self.events_out,
            "acks_out": self.acks_out,
            "joins": self.joins,
            "leaves": self.leaves,
            "rate_limited": sum(self.rate_limited.values()),
            "rate_limited_by_reason": dict(self.rate_limited),
            "rooms": self._room_sizes(),
        }

    def drop_all(self) -> int:
        """Cut every Socket.IO connection without a close frame (clients see 1006, as with a
        crashed server or a dead network path); returns how many were cut."""
        dropped = 0
        for eio_sid, environ in list(self.sio.environ.items()):
            websocket = environ.get("wsgi.websocket")
            sock = getattr(getattr(websocket, "handler", None), "socket", None)
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            else:  # long-polling: end the Engine.IO session without a close packet
                engine_socket = self.sio.eio.sockets.get(eio_sid)
                if engine_socket is None:
                    continue
                engine_socket.close(wait=False, abort=True)
            dropped += 1
        return dropped

    # -- namespace "/" ----------------------------------------------------------------------

    def _on_connect(self, sid: str, environ: dict, auth: Any = None) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        if token is not None and not self.tokens.is_valid(token):
            self.connects_refused += 1
            raise socketio.exceptions.ConnectionRefusedError("invalid token")
        self.connects += 1
        self.connected += 1

    def _on_disconnect(self, sid: str, reason: Any = None) -> None:
        self.disconnects += 1
        self.connected -= 1

    def _on_echo(self, sid: str, *args: Any) -> Any:
        """Acknowledged echo of all its arguments (a tuple return is several ack arguments)."""
        self.events_in += 1
        self.acks_out += 1
        return args

    def _on_slow_echo(self, sid: str, data: Any = None) -> Any:
        """Ack ``data["data"]`` after ``data["delay_ms"]``, sleeping in this event's greenlet only."""
        self.events_in += 1
        delay_ms = data.get("delay_ms", 0) if isinstance(data, dict) else 0
        if not isinstance(delay_ms, (int, float)) or not 0 <= delay_ms <= FREEZE_LIMIT_S * 1000:
            self.acks_out += 1
            return {"ok": False, "error": f"delay_ms must be a number from 0 to {FREEZE_LIMIT_S * 1000:g}"}
        gevent.sleep(delay_ms / 1000.0)
        self.acks_out += 1
        return data.get("data")

    def _on_push(self, sid: str, data: Any = None) -> dict:
        """Emit ``count`` ``tick`` events to the caller, each stamped with ``server_ts``."""
        self.events_in += 1
        count = data.get("count", 1) if isinstance(data, dict) else 1
        if not isinstance(count, int) or not 0 <= count <= PUSH_LIMIT:
            self.acks_out += 1
            return {"ok": False, "error": f"count must be an integer from 0 to {PUSH_LIMIT}"}
        for seq in range(1, count + 1):
            self._emit("tick", {"seq": seq, "server_ts": time.time() * 1000}, sid, "/")
        self.acks_out += 1
        return {"ok": True, "sent": count}

    def _on_ask(self, sid: str, data: Any = None) -> Any:
        """Call the client's handler for ``event`` (an event with an ack) and ack with its answer."""
        self.events_in += 1
        event = data.get("event") if isinstance(data, dict) else None
        if not isinstance(event, str):
            self.acks_out += 1
            return {"ok": False, "error": "event name required"}
        self.events_out += 1
        try:
            answer = self.sio.call(event, data.get("data"), to=sid, timeout=2)
        except socketio.exceptions.TimeoutError:
            answer = {"ok": False, "error": "client did not ack"}
        self.acks_out += 1
        return answer

    def _on_kick(self, sid: str, data: Any = None) -> None:
        self.events_in += 1
        self.sio.disconnect(sid)

    def _on_freeze(self, sid: str, data: Any = None) -> dict:
        """Block the whole process (not just this greenlet): no pings, no acks, nothing."""
        self.events_in += 1
        seconds = data.get("seconds", 1.0) if isinstance(data, dict) else 1.0
        if not isinstance(seconds, (int, float)) or not 0 <= seconds <= FREEZE_LIMIT_S:
            self.acks_out += 1
            return {"ok": False, "error": f"seconds must be a number from 0 to {FREEZE_LIMIT_S:g}"}
        _blocking_sleep(seconds)
        self.acks_out += 1
        return {"ok": True}

    # -- namespace "/chat" ------------------------------------------------------------------

    def _on_chat_connect(self, sid: str, environ: dict, auth: Any = None) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        if token is None:  # as many servers do: the handshake's Authorization header or ?token=
            token = token_from_request(environ, parse_qs(environ.get("QUERY_STRING", "")))
        if not self.tokens.is_valid(token):
            self.connects_refused += 1
            raise socketio.exceptions.ConnectionRefusedError(
                "missing token: POST /login, then connect with auth={'token': ...}"
                if token is None
                else "invalid token"
            )
        self._users[sid] = token
        self.connects += 1
        self.connected += 1

    def _on_chat_disconnect(self, sid: str, reason: Any = None) -> None:
        self._users.pop(sid, None)
        self._on_disconnect(sid, reason)

    def _on_join(self, sid: str, data: Any = None) -> dict:
        room, error = self._room_request(sid, data)
        if room is None:
            return error
        if room in self.sio.rooms(sid, "/chat"):  # already a member: nothing to limit
            return {"ok": True, "room": room, "members": self._members(room)}
        now = time.monotonic()
        refusal = self.limits.refusal(self._users.get(sid, sid), self._members(room), now)
        if refusal is not None:
            reason, retry_after = refusal
            self.rate_limited[reason] += 1
            notice = {"action": "join", "reason": reason, "room": room, "retry_after_ms": retry_after * 1000}
            self._emit("rate_limited", notice, sid, "/chat")
            return {"ok": False, "error": "rate_limited", **notice}
        self.sio.enter_room(sid, room, namespace="/chat")
        self.limits.joined(self._users.get(sid, sid), now)
        self.joins += 1
        members = self._members(room)
        self._emit("joined", {"room": room, "members": members}, sid, "/chat")
        return {"ok": True, "room": room, "members": members}

    def _on_leave(self, sid: str, data: Any = None) -> dict:
        room, error = self._room_request(sid, data)
        if room is None:
            return error
        if room not in self.sio.rooms(sid, "/chat"):
            return {"ok": False, "error": "not in room", "room": room}
        self.sio.leave_room(sid, room, namespace="/chat")
        self.leaves += 1
        return {"ok": True, "room": room}

    def _on_chat(self, sid: str, data: Any = None) -> dict | None:
        """Broadcast to the room (sender included), stamped with ``server_ts``."""
        self.events_in += 1
        room = _room_of(data)
        if room is None or room not in self.sio.rooms(sid, "/chat"):
            self.acks_out += 1
            return {"ok": False, "error": "join the room first"}
        delivered = self._emit("chat", {**data, "server_ts": time.time() * 1000}, room, "/chat")
        self.acks_out += 1
        return {"ok": True, "delivered": delivered}

    # -- plumbing ---------------------------------------------------------------------------

    def _emit(self, event: str, data: Any, to: str, namespace: str) -> int:
        """Emit to a sid or a room and count one event per recipient; returns the count."""
        recipients = self._members(to, namespace)
        self.sio.emit(event, data, to=to, namespace=namespace)
        self.events_out += recipients
        return recipients

    def _room_request(self, sid: str, data: Any) -> tuple[str | None, dict]:
        """Count an acked room event and read its room: ``(room, {})``, or ``(None, error ack)``.
        Events run in their own greenlets and may outlive their client, whose rooms are then gone
        (python-socketio raises on entering one), hence the connection check."""
        self.events_in += 1
        self.acks_out += 1
        room = _room_of(data)
        if room is None:
            return None, {"ok": False, "error": "room required"}
        if not self.sio.manager.is_connected(sid, "/chat"):
            return None, {"ok": False, "error": "not connected"}
        return room, {}

    def _members(self, room: str, namespace: str = "/chat") -> int:
        return sum(1 for _ in self.sio.manager.get_participants(namespace, room))

    def _room_sizes(self) -> dict[str, int]:
        rooms = self.sio.manager.rooms.get("/chat", {})
        # Every sid is also a room of its own; only named rooms are interesting here.
        return {name: len(members) for name, members in rooms.items() if name and name not in self._users}


def _room_of(data: Any) -> str | None:
    room = data.get("room") if isinstance(data, dict) else None
    return room if isinstance(room, str) and room else None
