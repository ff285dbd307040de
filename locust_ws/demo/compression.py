"""permessage-deflate (RFC 7692) for the demo server, on top of gevent-websocket.

gevent-websocket 0.10.1 supports no extension: it ignores ``Sec-WebSocket-Extensions`` and fails
any frame with an RSV bit set (1002). So the demo negotiates permessage-deflate itself, here, and
compresses with locust-ws's own sans-I/O codec (``protocol/deflate.py``, which is role-agnostic):
``DemoHandler`` adds the answer to the 101 response and installs ``DeflateWebSocket``, whose frame
reader inflates and whose frame writer compresses. Everything above the frames (endpoints,
Socket.IO, stats) sees plain messages. ``DemoServer(compression=False)`` declines every offer, for
testing a server without it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from geventwebsocket.exceptions import ProtocolError, WebSocketError
from geventwebsocket.websocket import MSG_SOCKET_DEAD, Header

from ..protocol.deflate import (
    EXTENSION,
    MAX_WINDOW_BITS,
    DeflateOptions,
    DeflateParameters,
    NegotiationError,
    PerMessageDeflate,
    extension_element,
)
from ..protocol.frames import ProtocolViolation
from ..protocol.handshake import HandshakeError, parse_extensions
from .handler import DemoHandler, DemoWebSocket

DEFLATE_KEY = "locust_ws.deflate"
"""Where the environ keeps a connection's ``Inflating`` state (the socket object has no room)."""
MAX_MESSAGE_SIZE = 16 * 1024 * 1024
"""Inflated bytes a client message may reach: a compressed bomb fails the connection."""
RSV1 = Header.RSV0_MASK  # gevent-websocket numbers the reserved bits from 0: its RSV0 is RSV1


class Inflating:
    """A connection's codec and whether the message being read is compressed."""

    __slots__ = ("codec", "compressed")

    def __init__(self, codec: PerMessageDeflate) -> None:
        self.codec = codec
        self.compressed = False


def accept(offers: str) -> tuple[str, DeflateParameters] | None:
    """The response header value and the parameters for the first acceptable permessage-deflate
    offer of a ``Sec-WebSocket-Extensions`` request header, or ``None`` to decline them all.
    RFC 7692 5: the offers are "in the order of preference", and a server declines an offer it
    cannot read (7). The client's requests are granted: ``server_no_context_takeover`` and
    ``server_max_window_bits`` "MUST" be echoed to accept them (7.1.1.1, 7.1.2.1); a value of
    ``client_max_window_bits`` is echoed, which keeps the server's inflate window as small."""
    try:
        elements = parse_extensions(offers)
    except HandshakeError:
        return None
    for name, params in elements:
        if name.lower() != EXTENSION:
            continue
        try:
            offer = DeflateOptions.from_offer(params)
        except NegotiationError:
            continue
        client_bits = None if isinstance(offer.client_max_window_bits, bool) else offer.client_max_window_bits
        agreed = DeflateParameters(
            client_max_window_bits=client_bits or MAX_WINDOW_BITS,
            server_max_window_bits=offer.server_max_window_bits or MAX_WINDOW_BITS,
            client_no_context_takeover=offer.client_no_context_takeover,
            server_no_context_takeover=offer.server_no_context_takeover,
        )
        response = extension_element(
            offer.server_no_context_takeover,
            offer.client_no_context_takeover,
            offer.server_max_window_bits,
            client_bits,
        )
        return response, agreed
    return None


class DeflateWebSocket(DemoWebSocket):
    """A ``DemoWebSocket`` whose data frames are compressed: installed, like it, by swapping
    ``__class__``, on connections that negotiated permessage-deflate."""

    __slots__ = ()

    def read_frame(self) -> tuple[Header, bytes]:
        """gevent-websocket's frame reader, which RSV1 on the first frame of a data message no
        longer fails (RFC 7692 6.1), with the message inflated as its frames arrive: the UTF-8
        check and reassembly of ``read_message`` then see the plain payload."""
        environ, read = self.environ, self.raw_read
        if environ is None or read is None:
            raise WebSocketError(MSG_SOCKET_DEAD)  # closed: gevent-websocket fails the same way
        state: Inflating = environ[DEFLATE_KEY]
        header = Header.decode_header(self.stream)
        first_of_message = header.opcode in (self.OPCODE_TEXT, self.OPCODE_BINARY)
        if header.flags and (header.flags != RSV1 or not first_of_message):
            raise ProtocolError(f"reserved bits {header.flags:#x} on a frame of opcode {header.opcode}")
        if first_of_message:
            state.compressed = bool(header.flags)
        header.flags = 0
        payload = read(header.length) if header.length else b""
        if len(payload) != header.length:
            raise WebSocketError("Unexpected EOF reading frame payload")
        if header.mask:
            payload = header.unmask_payload(payload)
        if state.compressed and header.opcode < self.OPCODE_CLOSE:
            try:
                payload = state.codec.decompress(bytes(payload), bool(header.fin), MAX_MESSAGE_SIZE)
            except ProtocolViolation as violation:
                raise ProtocolError(violation.detail) from None
        return header, payload

    def _write_frame(self, message: bytes | bytearray | str, opcode: int) -> None:
        """Data frames compressed with RSV1 set (gevent-websocket's writer, which cannot set it,
        still sends the control frames)."""
        environ, write = self.environ, self.raw_write
        if opcode not in (self.OPCODE_TEXT, self.OPCODE_BINARY) or environ is None or write is None:
            return super()._write_frame(message, opcode)
        payload = message.encode("utf-8") if isinstance(message, str) else bytes(message)
        compressed = environ[DEFLATE_KEY].codec.compress(payload)
        header = Header.encode_header(True, opcode, b"", len(compressed), RSV1)
        try:
            write(header + compressed)
        except OSError:
            raise WebSocketError(MSG_SOCKET_DEAD) from None


class DeflateHandler(DemoHandler):
    """``DemoHandler`` that accepts permessage-deflate: the answer goes into the 101 response
    and the connection gets a ``DeflateWebSocket`` with its own codec."""

    start_response: Callable[..., Any]
    """The WSGI callable gevent's handler sets per request; wrapped during the upgrade."""

    def upgrade_connection(self) -> Any:
        accepted = accept(self.environ.get("HTTP_SEC_WEBSOCKET_EXTENSIONS", ""))
        if accepted is None:
            return super().upgrade_connection()
        extension, agreed = accepted
        respond = self.start_response

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if status.startswith("101"):
                headers = [*headers, ("Sec-WebSocket-Extensions", extension)]
            return respond(status, headers, exc_info)

        self.start_response = start_response  # gevent-websocket answers 101 through it
        try:
            result = super().upgrade_connection()
        finally:
            del self.start_response
        websocket = getattr(self, "websocket", None)
        if websocket is not None:
            self.environ[DEFLATE_KEY] = Inflating(PerMessageDeflate.for_server(agreed))
            websocket.__class__ = DeflateWebSocket
        return result
