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
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .deflate import EXTENSION, DeflateOptions, DeflateParameters, NegotiationError, Params

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
    extensions: str | None = None,
) -> bytes:
    """The ``GET`` upgrade request, with the same headers websocket-client sends (``Origin``
    included, as browsers do), plus ``Sec-WebSocket-Extensions: extensions`` when given."""
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
    if extensions:
        lines.append(f"Sec-WebSocket-Extensions: {extensions}")
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
    server chose, if any. Raises ``HandshakeError`` naming the first thing that is wrong. The
    extensions it chose are ``check_extensions``'s."""
    headers = response.headers
    for name in ("upgrade", "connection"):
        wanted = "websocket" if name == "upgrade" else "upgrade"
        if wanted not in (token.strip().lower() for token in headers.get(name, "").split(",")):
            raise HandshakeError(f"Invalid WebSocket Header: {name.title()} is not {wanted!r}")
    if not hmac.compare_digest(headers.get("sec-websocket-accept", ""), accept_for(key)):
        raise HandshakeError("Invalid WebSocket Header: Sec-WebSocket-Accept does not match our key")
    chosen = headers.get("sec-websocket-protocol")
    offered = [protocol.lower() for protocol in subprotocols or ()]
    if offered and (not chosen or chosen.lower() not in offered):
        raise HandshakeError(f"Invalid WebSocket Header: no subprotocol of {list(subprotocols or ())} chosen")
    if chosen and not offered:
        raise HandshakeError(f"Invalid WebSocket Header: subprotocol {chosen!r} chosen but none offered")
    return chosen.lower() if chosen else None


_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_LEXEME = re.compile(
    rf'[ \t]*(?:(?P<token>{_TOKEN})|"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<separator>[;,=]))[ \t]*'
)
_IS_TOKEN = re.compile(_TOKEN)
_ESCAPE = re.compile(r"\\(.)")

Extension = tuple[str, Params]
"""One element of a ``Sec-WebSocket-Extensions`` header: its name and its parameters."""


_GRAMMAR = {
    ("start", ","): "start",  # empty list elements are allowed (RFC 7230 7)
    ("start", "token"): "name",
    ("name", ";"): "semicolon",
    ("name", ","): "start",
    ("semicolon", "token"): "param",
    ("param", "="): "equals",
    ("param", ";"): "semicolon",
    ("param", ","): "start",
    ("equals", "token"): "value",
    ("equals", "quoted"): "value",
    ("value", ";"): "semicolon",
    ("value", ","): "start",
}
"""(state, lexeme) -> the next state, for RFC 6455 9.1's grammar; any other pair is malformed."""


def _lexemes(value: str) -> list[tuple[str, str]]:
    """``value`` as ``(kind, text)`` pairs, kind ``token``, ``quoted`` (its text unescaped) or the
    separator itself, then a closing ``,``."""
    lexemes, position = [], 0
    while position < len(value):
        match = _LEXEME.match(value, position)
        if match is None:
            raise _malformed(value)
        kind = match.lastgroup or ""
        text = match.group(kind)
        lexemes.append((text if kind == "separator" else kind, _ESCAPE.sub(r"\1", text)))
        position = match.end()
    return [*lexemes, (",", ",")]


def _malformed(value: str) -> HandshakeError:
    return HandshakeError(f"Invalid WebSocket Header: malformed Sec-WebSocket-Extensions {value[:80]!r}")


def parse_extensions(value: str) -> list[Extension]:
    """The elements of a ``Sec-WebSocket-Extensions`` value (RFC 6455 9.1)::

        extension-list = 1#extension
        extension = extension-token *( ";" extension-param )
        extension-param = token [ "=" (token | quoted-string) ]

    "When using the quoted-string syntax variant, the value after quoted-string unescaping MUST
    conform to the 'token' ABNF." Repeated headers arrive joined by ", " (``parse_response``),
    which is the same list. Raises ``HandshakeError`` on anything else."""
    extensions: list[Extension] = []
    params: list[tuple[str, str | None]] = []
    state = "start"
    for kind, text in _lexemes(value):
        state = _GRAMMAR.get((state, kind), "")
        if state == "name":
            params = []
            extensions.append((text, params))
        elif state == "param":
            params.append((text, None))
        elif state == "value" and _IS_TOKEN.fullmatch(text):
            params[-1] = (params[-1][0], text)
        elif state in ("", "value"):
            raise _malformed(value)
    return extensions


def check_extensions(headers: Mapping[str, str], offer: DeflateOptions | None) -> DeflateParameters | None:
    """The permessage-deflate parameters the server's response agreed to, ``None`` when it chose
    no extension. RFC 6455 4.1: "If the response includes a |Sec-WebSocket-Extensions| header
    field and this header field indicates the use of an extension that was not present in the
    client's handshake (the server has indicated an extension not requested by the client), the
    client MUST _Fail the WebSocket Connection_." We offer one permessage-deflate element at most,
    so the server may accept it once; ``DeflateOptions.accept`` checks its parameters."""
    value = headers.get("sec-websocket-extensions", "")
    if not value.strip():
        return None
    chosen = parse_extensions(value)
    for name, _ in chosen:
        if offer is None or name.lower() != EXTENSION:
            raise HandshakeError(
                f"Invalid WebSocket Header: the server chose extension {name!r}, which we did not offer"
            )
    if len(chosen) > 1:
        raise HandshakeError(f"Invalid WebSocket Header: the server accepted {EXTENSION} {len(chosen)} times")
    assert offer is not None
    try:
        return offer.accept(chosen[0][1])
    except NegotiationError as error:
        raise HandshakeError(f"Invalid WebSocket Header: {error}") from None
