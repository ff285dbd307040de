"""Socket.IO side of the demo server: a minimal skeleton with its own counters.

Kept separate from the plain WebSocket endpoints because python-socketio brings its own transport
(Engine.IO) and framing; later work adds auth, rooms and rate limits here. Handlers are methods
registered in `_register`, so extending means adding a method and one registration line.
"""

from __future__ import annotations

from typing import Any

import socketio


class SocketIODemo:
    """A `socketio.Server` in gevent mode plus the counters `/stats` reports under `socketio`."""

    def __init__(self) -> None:
        # Any origin: load generators do not send a browser Origin header worth checking.
        self.sio = socketio.Server(async_mode="gevent", cors_allowed_origins="*")
        self.connected = 0
        self.reset()
        self._register()

    def _register(self) -> None:
        self.sio.on("connect", self._on_connect)
        self.sio.on("disconnect", self._on_disconnect)
        self.sio.on("echo", self._on_echo)

    def reset(self) -> None:
        """Zero the counters; `connected` is a live gauge and survives."""
        self.connects = 0
        self.disconnects = 0
        self.events_in = 0
        self.acks_out = 0

    def stats(self) -> dict[str, Any]:
        return {
            "connected": self.connected,
            "connects": self.connects,
            "disconnects": self.disconnects,
            "events_in": self.events_in,
            "acks_out": self.acks_out,
        }

    def _on_connect(self, sid: str, environ: dict, auth: Any = None) -> bool:
        self.connects += 1
        self.connected += 1
        return True

    def _on_disconnect(self, sid: str, reason: Any = None) -> None:
        self.disconnects += 1
        self.connected -= 1

    def _on_echo(self, sid: str, data: Any = None) -> Any:
        """Acknowledged echo: the return value is the ack payload."""
        self.events_in += 1
        self.acks_out += 1
        return data
