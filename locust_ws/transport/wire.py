"""``WireSocket``: an open WebSocket connection on a (plain or TLS) socket, and ``open_websocket``,
which opens one.

After the opening handshake a WebSocket is frames on a stream socket, and that is all this module
does: ``read`` makes one ``recv`` and returns every frame it completes (``FrameParser``), ``send``
masks one frame and writes it with one ``sendall``. websocket-client's own frame layer costs three
``recv`` calls and a dozen Python calls per frame; this is the hot path of every session.

Plain ``ws://`` connections also get a lean opening handshake (``handshake.py``): one ``recv`` for
the response, no thread-pool DNS lookup for IP literals. ``wss://``, proxies (options or the
``http_proxy`` environment, as websocket-client reads it), redirects and callers overriding the
handshake's own headers use websocket-client's ``create_connection``, and then the same frame path
on the socket it opened.
"""

from __future__ import annotations

import errno
import os
import socket
from typing import Any, Protocol

import gevent.socket
import websocket
from gevent.lock import Semaphore
from websocket._url import get_proxy_info, parse_url

from ..protocol import handshake
from ..protocol.frames import (
    OPCODE_CLOSE,
    OPCODE_PING,
    OPCODE_PONG,
    OPCODE_TEXT,
    Frame,
    FrameParser,
    MaskKeys,
    close_payload,
    encode_frame,
)

READ_SIZE = 64 * 1024
"""Bytes asked of each ``recv``; more while a larger frame is incomplete (up to ``MAX_READ_SIZE``)."""
MAX_READ_SIZE = 4 * 1024 * 1024

_mask_keys = MaskKeys()  # one pool for the process: a key per frame, never a syscall per frame


class Transport(Protocol):
    """What a session needs of an open connection: ``WireSocket``, or the Engine.IO long-polling
    transport (``polling.py``) that poses as one."""

    def read(self) -> list[Frame]: ...
    def send(self, payload: bytes, opcode: int = OPCODE_TEXT) -> int: ...
    def ping(self, payload: bytes = b"") -> None: ...
    def pong(self, payload: bytes = b"") -> None: ...
    def send_close(self, status: int = 1000, reason: str | bytes = b"") -> None: ...
    def settimeout(self, timeout: float | None) -> None: ...
    def shutdown(self) -> None: ...


class WireSocket:
    """One open WebSocket: frames in (``read``), frames out (``send``, ``ping``, ``pong``,
    ``send_close``). Sends are serialized, so frames from the task, the reader (pongs, the close
    reply) and the heartbeat never interleave on the wire."""

    __slots__ = ("_early", "_parser", "_send_lock", "sock", "subprotocol")

    def __init__(
        self, sock: socket.socket, parser: FrameParser, early: bytes = b"", subprotocol: str | None = None
    ) -> None:
        """``early``: bytes that arrived with the handshake response (a server may speak first)."""
        self.sock = sock
        self.subprotocol = subprotocol
        self._parser = parser
        self._early = early
        self._send_lock = Semaphore()

    def read(self) -> list[Frame]:
        """Block until at least one frame is complete and return the frames one ``recv``
        completed. Raises ``ProtocolViolation`` after the last good frame when the server broke
        the protocol, and ``WebSocketConnectionClosedException`` when the connection ended."""
        parser = self._parser
        if self._early:
            early, self._early = self._early, b""
            frames = parser.feed(early)
            if frames:
                return frames
        while True:
            if parser.error is not None:
                raise parser.error
            wanted = parser.wanted
            data = self._recv(READ_SIZE if wanted <= READ_SIZE else min(wanted, MAX_READ_SIZE))
            if not data:
                raise websocket.WebSocketConnectionClosedException("Connection to remote host was lost.")
            frames = parser.feed(data)
            if frames:
                return frames

    def _recv(self, size: int) -> bytes:
        """One ``recv``. On a plain gevent socket the reader first waits until the socket is
        readable: right after a frame the next one is rarely there yet, and gevent's ``recv``
        would try, fail with ``EAGAIN`` (a syscall and an exception) and only then wait. TLS
        sockets buffer inside the SSL layer, so they use ``recv`` as it is."""
        sock = self.sock
        if type(sock) is not gevent.socket.socket:
            return sock.recv(size)
        while True:
            event = sock._read_event  # None once the socket is closed
            if event is None:
                raise OSError(errno.EBADF, "the socket was closed")
            sock._wait(event)
            try:
                return sock._sock.recv(size)
            except BlockingIOError:
                continue  # readable for someone else, or a spurious wake-up

    def send(self, payload: bytes, opcode: int = OPCODE_TEXT) -> int:
        """Send one masked frame; return the payload size."""
        frame = encode_frame(opcode, payload, _mask_keys.next())
        with self._send_lock:
            _send_all(self.sock, frame)
        return len(payload)

    def ping(self, payload: bytes = b"") -> None:
        self.send(payload, OPCODE_PING)

    def pong(self, payload: bytes = b"") -> None:
        self.send(payload, OPCODE_PONG)

    def send_close(self, status: int = 1000, reason: str | bytes = b"") -> None:
        self.send(close_payload(status, reason), OPCODE_CLOSE)

    def settimeout(self, timeout: float | None) -> None:
        self.sock.settimeout(timeout)

    def shutdown(self) -> None:
        """Close the socket; a ``read`` blocked in another greenlet ends with an ``OSError``."""
        self.sock.close()


def open_websocket(url: str, options: dict[str, Any]) -> WireSocket:
    """Open ``url`` with websocket-client's option names (``timeout``, ``header``,
    ``subprotocols``, ``sslopt``) plus ``max_message_size`` and ``skip_utf8_validation`` for the
    frame parser. Failures raise what websocket-client or the socket layer raises."""
    options = dict(options)
    parser = FrameParser(options.pop("max_message_size", 0), not options.get("skip_utf8_validation", False))
    hostname, port, resource, secure = parse_url(url)
    if secure or _proxied(hostname, options) or handshake.overrides_reserved(options.get("header")):
        return _open_with_websocket_client(url, options, parser)
    sock = _connect(hostname, port, options.get("timeout"))
    try:
        key = handshake.new_key()
        subprotocols, headers = options.get("subprotocols"), options.get("header")
        _send_all(sock, handshake.upgrade_request(resource, hostname, port, key, headers, subprotocols))
        head, early = _read_head(sock)
        response = handshake.parse_response(head)
        if response.status in handshake.REDIRECT_STATUSES:
            sock.close()
            return _open_with_websocket_client(url, options, parser)  # it follows redirects
        if response.status != 101:
            raise websocket.WebSocketBadStatusException(
                f"Handshake status {response.status} {response.reason}",
                response.status,
                response.reason,
                response.headers,
            )
        try:
            subprotocol = handshake.check_upgrade(response, key, subprotocols)
        except handshake.HandshakeError as error:
            raise websocket.WebSocketException(str(error)) from None
    except BaseException:
        sock.close()
        raise
    return WireSocket(sock, parser, early, subprotocol)


def _proxied(hostname: str, options: dict[str, Any]) -> bool:
    """Whether websocket-client would use a proxy for a plain ``ws://`` URL to ``hostname``."""
    if any(key.startswith("http_proxy") for key in options):
        return True
    if not (os.environ.get("http_proxy") or os.environ.get("HTTP_PROXY")):
        return False  # the common case, without get_proxy_info's no_proxy parsing per handshake
    return bool(get_proxy_info(hostname, False)[0])


def _send_all(sock: socket.socket, data: bytes) -> None:
    """One ``send`` unless the socket buffer is full (gevent's ``sendall`` adds a
    ``getsockopt`` call to every send)."""
    sent = sock.send(data)
    if sent < len(data):
        sock.sendall(memoryview(data)[sent:])


def _open_with_websocket_client(url: str, options: dict[str, Any], parser: FrameParser) -> WireSocket:
    options.pop("skip_utf8_validation", None)
    ws = websocket.create_connection(url, **options)
    sock, ws.sock = ws.sock, None  # ours from now on; websocket-client never read past the 101
    return WireSocket(sock, parser, subprotocol=ws.getsubprotocol())


def _connect(hostname: str, port: int, timeout: float | None) -> socket.socket:
    """A connected TCP socket with websocket-client's socket options (``TCP_NODELAY``,
    keepalive). An IP literal is used as is: resolving it would cost a thread-pool round trip."""
    addresses = _literal_address(hostname, port)
    if addresses is None:
        try:
            addresses = [
                (family, address)
                for family, _, _, _, address in socket.getaddrinfo(
                    hostname, port, 0, socket.SOCK_STREAM, socket.IPPROTO_TCP
                )
            ]
        except socket.gaierror as error:
            raise websocket.WebSocketAddressException(str(error)) from None
    failure: OSError | None = None
    for family, address in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            for option in websocket.DEFAULT_SOCKET_OPTION:
                sock.setsockopt(*option)
            sock.connect(address)
        except ConnectionRefusedError as refused:
            sock.close()
            failure = refused
            continue
        except BaseException:
            sock.close()
            raise
        return sock
    raise failure or websocket.WebSocketAddressException(f"no address for {hostname}")


def _literal_address(hostname: str, port: int) -> list[tuple[int, tuple]] | None:
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, hostname)
        except OSError:
            continue
        return [(family, (hostname, port))]
    return None


def _read_head(sock: socket.socket) -> tuple[bytes, bytes]:
    """The response head (status line and headers) and whatever followed it in the same reads."""
    received = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            raise websocket.WebSocketConnectionClosedException(
                "the server closed the connection during the handshake"
            )
        received += chunk
        end = received.find(b"\r\n\r\n")
        if end >= 0:
            return received[:end], received[end + 4 :]
        if len(received) > handshake.MAX_RESPONSE_HEAD:
            raise websocket.WebSocketException("handshake response headers too large")
