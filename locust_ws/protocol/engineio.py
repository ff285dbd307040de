"""Engine.IO v4 packets, as pure logic: the layer under Socket.IO that carries its messages.

Over the WebSocket transport every Engine.IO packet is one frame. A text frame starts with the
packet type digit (``PacketType``); a binary frame is a binary message, with no type at all. The
server opens the session with an ``OPEN`` packet (its session id and its heartbeat), then pings
every pingInterval and expects our ``PONG`` within pingTimeout; a client that hears no ping for
pingInterval + pingTimeout treats the connection as closed (the Engine.IO v4 protocol, "Heartbeat").

No sockets and no gevent here: ``sessions/engineio.py`` does the I/O and keeps the state.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

PROTOCOL_VERSION = 4
"""The ``EIO`` query parameter of the handshake: the Engine.IO revision we speak."""


class PacketType(enum.IntEnum):
    """An Engine.IO packet's type, as the first byte of its text frame (an ASCII digit)."""

    OPEN = ord("0")
    CLOSE = ord("1")
    PING = ord("2")
    PONG = ord("3")
    MESSAGE = ord("4")
    UPGRADE = ord("5")
    NOOP = ord("6")


PONG_FRAME = b"3"
"""Our answer to every server ping (v4: the server pings, the client pongs, without payload)."""


@dataclass(frozen=True)
class EngineOpen:
    """What the Engine.IO open packet tells a client; intervals in seconds."""

    sid: str
    ping_interval: float
    ping_timeout: float
    upgrades: tuple[str, ...]


def parse_open(text: str) -> EngineOpen:
    """Read an Engine.IO open packet (``0{"sid": ..., "pingInterval": ms, ...}``); ``ValueError``
    when it is not one. It is plain JSON after the type digit, so python-engineio's ``Packet``
    (whose import brings its whole client along) is not needed."""
    if text[:2] != chr(PacketType.OPEN) + "{":
        raise ValueError(f"not an Engine.IO open packet: {text[:80]!r}")
    try:
        data = json.loads(text[1:])
        return EngineOpen(
            sid=str(data["sid"]),
            ping_interval=float(data["pingInterval"]) / 1000.0,
            ping_timeout=float(data["pingTimeout"]) / 1000.0,
            upgrades=tuple(data.get("upgrades") or ()),
        )
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"malformed Engine.IO open packet: {text[:80]!r}") from None


def endpoint(url: str, path: str) -> str:
    """The Engine.IO endpoint for ``url`` (absolute, or "" for the host): its path is replaced by
    ``/<path>/``, as Socket.IO clients do with their ``socketio_path``; its query string is kept."""
    path = "/" + path.strip("/") + "/"
    if not url:
        return path
    parts = urlsplit(url)
    if "://" not in url:
        raise ValueError(f"Socket.IO url must be absolute (http://, https://, ws://, wss://), got {url!r}")
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
