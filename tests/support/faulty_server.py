"""Servers that misbehave on purpose, for the reliability tests: a WebSocket server with one fault
per path, a Socket.IO server that quotes the token it refuses, and a port that never answers.

The WebSocket one speaks just enough RFC 6455 by hand to break it in controlled ways (a correct
library would refuse to send most of these frames). Test-only: they run in the test process on free
loopback ports.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import struct
import zlib
from collections.abc import Callable, Iterator
from typing import TypeVar
from urllib.parse import unquote

import gevent
import socketio
from gevent.baseserver import BaseServer
from gevent.pywsgi import WSGIServer
from gevent.server import StreamServer
from geventwebsocket.handler import WebSocketHandler

from locust_ws.protocol.deflate import DeflateParameters, PerMessageDeflate
from locust_ws.protocol.frames import mask

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

TEXT, BINARY, CONTINUATION, CLOSE, PING, PONG = 0x1, 0x2, 0x0, 0x8, 0x9, 0xA


def frame(
    opcode: int, payload: bytes = b"", *, fin: bool = True, masked: bool = False, rsv: int = 0
) -> bytes:
    """One frame as a server would send it (unmasked unless ``masked``)."""
    head = bytes([(0x80 if fin else 0) | (rsv << 4) | opcode])
    length = len(payload)
    mask_bit = 0x80 if masked else 0
    if length < 126:
        head += bytes([mask_bit | length])
    elif length < 65536:
        head += bytes([mask_bit | 126]) + struct.pack("!H", length)
    else:
        head += bytes([mask_bit | 127]) + struct.pack("!Q", length)
    if masked:
        key = b"\x01\x02\x03\x04"
        payload = bytes(byte ^ key[i % 4] for i, byte in enumerate(payload))
        head += key
    return head + payload


def close_frame(code: int, reason: bytes = b"") -> bytes:
    return frame(CLOSE, struct.pack("!H", code) + reason)


def _accept(key: str) -> str:
    return base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()


def _read_request(sock) -> tuple[str, dict[str, str]]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("client went away during the handshake")
        data += chunk
    lines = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    path = lines[0].split(" ")[1]
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return path, headers


def _switch(sock, headers: dict[str, str], accept: str | None = None, extensions: str = "") -> None:
    accept = accept or _accept(headers["sec-websocket-key"])
    chosen = f"Sec-WebSocket-Extensions: {extensions}\r\n" if extensions else ""
    sock.sendall(
        (
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Accept: {accept}\r\n{chosen}\r\n"
        ).encode()
    )


def deflate_bomb(size: int) -> bytes:
    """A permessage-deflate payload of ``size`` zero bytes: a few KiB that inflate to ``size``."""
    encoder = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = bytes(1024 * 1024)
    data = b"".join(encoder.compress(chunk) for _ in range(size // len(chunk)))
    return (data + encoder.flush(zlib.Z_SYNC_FLUSH))[:-4]


def _drain(sock, seconds: float = 2.0, enough: Callable[[bytearray], bool] | None = None) -> bytes:
    """Read what the client sends back (its close frame) until it closes, time runs out or what
    came is ``enough``. Linear in what arrives: a client's 16 MiB must not cost seconds here."""
    received = bytearray()
    with gevent.Timeout(seconds, False), contextlib.suppress(OSError):  # a reset ends it too
        while chunk := sock.recv(65536):
            received += chunk
            if enough is not None and enough(received):
                break
    return bytes(received)


def complete_messages(client_bytes: bytes | bytearray) -> int:
    """How many whole text or binary frames ``client_bytes`` begins with (read from the headers
    only: nothing is unmasked)."""
    count, index = 0, 0
    while index + 2 <= len(client_bytes):
        length, header = client_bytes[index + 1] & 0x7F, 2
        if length == 126 and index + 4 <= len(client_bytes):
            length, header = struct.unpack_from("!H", client_bytes, index + 2)[0], 4
        elif length == 127 and index + 10 <= len(client_bytes):
            length, header = struct.unpack_from("!Q", client_bytes, index + 2)[0], 10
        elif length >= 126:
            break
        opcode = client_bytes[index] & 0x0F
        index += header + 4 + length
        if index > len(client_bytes):
            break
        count += opcode in (TEXT, BINARY)
    return count


ServerT = TypeVar("ServerT", bound="LoopbackServer")


class LoopbackServer:
    """A gevent server of the test process on a free loopback port (``_server``, set by subclasses)."""

    _server: BaseServer

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._server.server_port}"

    def start(self: ServerT) -> ServerT:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop(timeout=1)


class FaultyServer(LoopbackServer):
    """Serves one fault per path; ``client_bytes[path]`` keeps what the client sent after the
    handshake (to check the close code it answered with)."""

    def __init__(self) -> None:
        self.client_bytes: dict[str, bytes] = {}
        self.inflated: list[bytes] = []
        """What ``/deflate-slow-reader`` inflated of the client's compressed messages."""
        self._faults: dict[str, Callable] = {
            "/invalid-utf8": self._after_upgrade(frame(TEXT, b"\xff\xfe broken")),
            "/reserved-opcode": self._after_upgrade(frame(0x3, b"what is this")),
            "/masked-frame": self._after_upgrade(frame(TEXT, b"masked by the server", masked=True)),
            "/rsv-bits": self._after_upgrade(frame(TEXT, b"compressed?", rsv=4)),
            "/bad-close-code": self._after_upgrade(close_frame(999)),
            "/fragmented-with-pings": self._after_upgrade(
                frame(TEXT, b"hel", fin=False)
                + frame(PING, b"p1")
                + frame(CONTINUATION, b"lo ", fin=False)
                + frame(PING, b"p2")
                + frame(CONTINUATION, b"world")
            ),
            "/big-frame": self._after_upgrade(frame(BINARY, b"x" * 200_000)),
            # permessage-deflate: chosen though nobody offered it, with a window out of range, and
            # a compressed message of 64 MiB
            "/deflate-unasked": self._after_upgrade(b"", extensions="permessage-deflate"),
            "/deflate-bad-window": self._after_upgrade(
                b"", extensions="permessage-deflate; client_max_window_bits=16"
            ),
            "/deflate-bomb": self._after_upgrade(
                frame(BINARY, deflate_bomb(64 * 1024 * 1024), rsv=4), extensions="permessage-deflate"
            ),
            "/deflate-slow-reader": self._slow_inflating_reader,
            "/wrong-accept": self._wrong_accept,
            "/html": self._html,
            "/redirect": self._redirect,
        }
        self._server = StreamServer(("127.0.0.1", 0), self._handle)

    def _handle(self, sock, _address) -> None:
        try:
            path, headers = _read_request(sock)
            fault = self._faults.get(path.split("?")[0])
            if fault is not None:
                fault(sock, path, headers)
        except (ConnectionError, OSError):
            pass
        finally:
            sock.close()

    def _after_upgrade(self, payload: bytes, extensions: str = "") -> Callable:
        def serve(sock, path: str, headers: dict[str, str]) -> None:
            _switch(sock, headers, extensions=extensions)
            gevent.sleep(0.05)  # let the client finish its handshake bookkeeping first
            sock.sendall(payload)
            self.client_bytes[path] = _drain(sock)

        return serve

    def _slow_inflating_reader(self, sock, _path, headers) -> None:
        """Accept permessage-deflate, read nothing for a second (the client's sends block), then
        inflate every message the client sent, as a server sharing its window would."""
        _switch(sock, headers, extensions="permessage-deflate")
        gevent.sleep(1.0)
        codec = PerMessageDeflate.for_server(DeflateParameters())
        # The blocked 16 MiB message and the one sent after it: read on until both are whole (on a
        # loaded machine compressing and sending 16 MiB may take seconds).
        for first, payload in client_frames(_drain(sock, 30.0, lambda got: complete_messages(got) >= 2)):
            if first & 0x0F in (TEXT, BINARY):
                self.inflated.append(codec.decompress(payload) if first & 0x40 else payload)

    def _wrong_accept(self, sock, _path, headers) -> None:
        _switch(sock, headers, accept=_accept("not-the-client-key"))
        _drain(sock, 0.5)

    def _html(self, sock, _path, _headers) -> None:
        body = b"<html><body>Hello, I am not a WebSocket server</body></html>"
        sock.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: "
            + str(len(body)).encode()
            + b"\r\n\r\n"
            + body
        )

    def _redirect(self, sock, path, _headers) -> None:
        """302 to the URL in ``?to=`` (default: this server's /html)."""
        location = unquote(path.split("to=", 1)[1]) if "to=" in path else f"{self.url}/html"
        sock.sendall(f"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n".encode())


def client_frames(client_bytes: bytes) -> list[tuple[int, bytes]]:
    """The complete (masked) frames a client sent, as ``(first header byte, unmasked payload)``."""
    frames, index = [], 0
    while index + 2 <= len(client_bytes):
        length, header = client_bytes[index + 1] & 0x7F, 2
        if length == 126:
            length, header = struct.unpack_from("!H", client_bytes, index + 2)[0], 4
        elif length == 127:
            length, header = struct.unpack_from("!Q", client_bytes, index + 2)[0], 10
        start = index + header + 4
        if start + length > len(client_bytes):
            break
        frames.append(
            (client_bytes[index], mask(client_bytes[start - 4 : start], client_bytes[start : start + length]))
        )
        index = start + length
    return frames


def sent_close_code(client_bytes: bytes) -> int | None:
    """The close code in the client's (masked) close frame, if it sent one."""
    for first, payload in client_frames(client_bytes):
        if first & 0x0F == CLOSE and len(payload) >= 2:
            return struct.unpack("!H", payload[:2])[0]
    return None


class EchoingRefusalServer(LoopbackServer):
    """A Socket.IO server refusing namespace ``/`` with ``invalid token <the auth token>``, as
    careless servers do: the secrets test checks that the token still never reaches a report."""

    def __init__(self) -> None:
        self.sio = socketio.Server(async_mode="gevent")
        self.sio.on("connect", self._on_connect)
        self._server = WSGIServer(
            ("127.0.0.1", 0), socketio.WSGIApp(self.sio), handler_class=WebSocketHandler, log=None
        )

    def _on_connect(self, sid: str, environ: dict, auth: object = None) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        raise socketio.exceptions.ConnectionRefusedError(f"invalid token {token}")


@contextlib.contextmanager
def silent_port() -> Iterator[str]:
    """A ``ws://`` URL whose port accepts TCP connections (in the kernel's backlog) and never
    answers a byte: handshakes to it can only time out."""
    listener = gevent.socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    try:
        yield f"ws://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()
