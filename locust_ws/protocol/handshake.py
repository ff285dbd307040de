"""The client's side of the RFC 6455 opening handshake, as bytes: the upgrade request and the
checks its response must pass.

Pure functions, no sockets: ``wire.py`` sends the request and reads the response. This is the lean
handshake of plain ``ws://`` connections, one ``recv`` for the whole response instead of
websocket-client's byte-by-byte reads; TLS, proxies and redirects keep websocket-client's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
REDIRECT_STATUSES = frozenset((301, 302, 303, 307, 308))
MAX_RESPONSE_HEAD = 64 * 1024
"""Bytes of status line and headers a server may send before we give up on it."""

RESERVED_HEADERS = frozenset(
    (
        "host",
        "origin",
        "upgrade",
        "connection",
        "sec-websocket-key",
        "sec-websocket-version",
        "sec-websocket-protocol",
        "sec-websocket-extensions",
    )
)
"""Headers the lean handshake writes itself; a caller setting one of them gets websocket-client's
handshake, which lets callers override them."""

Headers = Mapping[str, str] | Sequence[str] | None


class HandshakeError(Exception):
    """The response is not a valid acceptance of our upgrade request."""


@dataclass(frozen=True)
class HandshakeResponse:
    """A parsed response head; header names in lower case (repeated headers joined by ", ")."""

    status: int
    reason: str
    headers: dict[str, str]


def new_key() -> str:
    """A fresh ``Sec-WebSocket-Key``: 16 random bytes, base64."""
    return base64.b64encode(os.urandom(16)).decode("ascii")


def accept_for(key: str) -> str:
    """The ``Sec-WebSocket-Accept`` a server must answer ``key`` with."""
    return base64.b64encode(hashlib.sha1(key.encode("ascii") + GUID).digest()).decode("ascii")


def header_lines(headers: Headers) -> list[str]:
    """Extra headers as ``Name: value`` lines (a mapping, or lines as websocket-client takes them)."""
    if not headers:
        return []
    if isinstance(headers, Mapping):
        return [f"{name}: {value}" for name, value in headers.items() if value is not None]
    return list(headers)


def overrides_reserved(headers: Headers) -> bool:
    """True when ``headers`` set a header the lean handshake writes itself."""
    return any(line.split(":", 1)[0].strip().lower() in RESERVED_HEADERS for line in header_lines(headers))


def upgrade_request(
    resource: str,
    host: str,
    port: int,
    key: str,
    headers: Headers = None,
    subprotocols: Sequence[str] | None = None,
) -> bytes:
    """The ``GET`` upgrade request, with the same headers websocket-client sends (``Origin``
    included, as browsers do)."""
    hostport = f"[{host}]" if ":" in host else host
    if port not in (80, 443):
        hostport = f"{hostport}:{port}"
    lines = [
        f"GET {resource} HTTP/1.1",
        "Upgrade: websocket",
        f"Host: {hostport}",
        f"Origin: http://{hostport}",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
        "Connection: Upgrade",
    ]
    if subprotocols:
        lines.append(f"Sec-WebSocket-Protocol: {','.join(subprotocols)}")
    lines.extend(header_lines(headers))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


def parse_response(head: bytes) -> HandshakeResponse:
    """The status line and headers of a response (``head`` without the blank line)."""
    lines = head.decode("iso-8859-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise HandshakeError("not an HTTP response")  # never the bytes: each would be its own row
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon:
            raise HandshakeError("malformed HTTP response header")
        name, value = name.strip().lower(), value.strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return HandshakeResponse(int(parts[1]), parts[2] if len(parts) > 2 else "", headers)


def check_upgrade(response: HandshakeResponse, key: str, subprotocols: Sequence[str] | None) -> str | None:
    """Check that a 101 response accepts our request (RFC 6455 4.1); return the subprotocol the
    server chose, if any. Raises ``HandshakeError`` naming the first thing that is wrong."""
    headers = response.headers
    for name in ("upgrade", "connection"):
        wanted = "websocket" if name == "upgrade" else "upgrade"
        if wanted not in (token.strip().lower() for token in headers.get(name, "").split(",")):
            raise HandshakeError(f"Invalid WebSocket Header: {name.title()} is not {wanted!r}")
    if not hmac.compare_digest(headers.get("sec-websocket-accept", ""), accept_for(key)):
        raise HandshakeError("Invalid WebSocket Header: Sec-WebSocket-Accept does not match our key")
    if headers.get("sec-websocket-extensions"):
        raise HandshakeError("Invalid WebSocket Header: the server chose an extension we did not offer")
    chosen = headers.get("sec-websocket-protocol")
    offered = [protocol.lower() for protocol in subprotocols or ()]
    if offered and (not chosen or chosen.lower() not in offered):
        raise HandshakeError(f"Invalid WebSocket Header: no subprotocol of {list(subprotocols or ())} chosen")
    if chosen and not offered:
        raise HandshakeError(f"Invalid WebSocket Header: subprotocol {chosen!r} chosen but none offered")
    return chosen.lower() if chosen else None
