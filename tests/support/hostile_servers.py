"""Servers that are hostile on purpose, for tests/integration/test_hostile_servers.py (issue 13): they
refuse, stall, trickle, stop reading, answer with garbage or close with a policy code, one fault
per path. A refusing port is here too.

Built on ``faulty_server``'s hand-written RFC 6455 helpers. Test-only: they run in the test process
on free loopback ports, and every stalling handler ends when the server stops.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections import Counter
from collections.abc import Callable, Iterator

import gevent
import gevent.socket
from gevent.event import Event
from gevent.server import StreamServer

from .faulty_server import LoopbackServer, _drain, _read_request, _switch, close_frame

TRICKLE_INTERVAL = 0.1
"""Seconds between two bytes of a trickled handshake response."""
STALL_LIMIT = 60.0
"""Seconds a stalling handler holds its connection at most, should the server never be stopped."""


class HostileServer(LoopbackServer):
    """One hostile behaviour per path (the query string and a trailing ``/`` are ignored, so a
    Socket.IO session reaches ``/trickle`` with ``socketio_path="trickle"``).

    ``upgrades[path]`` counts the WebSocket upgrades the server completed on each path (how the
    reconnect tests count connections); ``receive_buffer`` sets ``SO_RCVBUF`` of the listening
    socket (inherited by every accepted one), so a server that stops reading fills the pipe fast.
    """

    def __init__(self, receive_buffer: int | None = None) -> None:
        self.upgrades: Counter[str] = Counter()
        self._stopping = Event()
        self._faults: dict[str, Callable] = {
            "/status/401": self._unauthorized,
            "/trickle": self._trickle,
            "/polling-trickle": self._trickle_polling_open,
            "/no-engineio-open": self._silent_after_upgrade,
            "/deaf": self._deaf,
            "/garbage": self._garbage,
            "/garbage-headers": self._garbage_headers,
            "/drop": self._drop,
        }
        listener = gevent.socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if receive_buffer is not None:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)
        self._server = StreamServer(listener, self._handle)

    def stop(self) -> None:
        self._stopping.set()  # releases the handlers that stall, so their sockets close now
        super().stop()

    def _handle(self, sock, _address) -> None:
        try:
            path, headers = _read_request(sock)
            path = path.split("?")[0].rstrip("/") or "/"
            if path.startswith("/close/"):
                self._close_with(sock, path, headers, int(path.removeprefix("/close/")))
                return
            fault = self._faults.get(path)
            if fault is not None:
                fault(sock, path, headers)
        except (ConnectionError, OSError):
            pass
        finally:
            sock.close()

    def _upgrade(self, sock, path: str, headers: dict[str, str]) -> None:
        _switch(sock, headers)
        self.upgrades[path] += 1

    def _unauthorized(self, sock, _path, _headers) -> None:
        sock.sendall(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    def _trickle(self, sock, _path, _headers) -> None:
        """A response that never ends, one byte every ``TRICKLE_INTERVAL``: the status line of a
        101, then header after header. Each byte arrives well within any per-read timeout."""
        self._send_slowly(sock, b"HTTP/1.1 101 Switching Protocols\r\n" + b"X-Trickle: more\r\n" * 10_000)

    def _trickle_polling_open(self, sock, _path, _headers) -> None:
        """The long-polling handshake of Engine.IO: a prompt ``200 OK`` head, then its body (the
        open packet, then no-op packets) one byte every ``TRICKLE_INTERVAL``."""
        opening = b'0{"sid":"trickled","upgrades":[],"pingInterval":25000,"pingTimeout":20000}'
        body = opening + b"\x1e6" * 5_000
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=UTF-8\r\n")
        sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body))
        self._send_slowly(sock, body)

    def _send_slowly(self, sock, data: bytes) -> None:
        for index in range(len(data)):
            if self._stopping.wait(TRICKLE_INTERVAL):
                return
            sock.sendall(data[index : index + 1])

    def _silent_after_upgrade(self, sock, path, headers) -> None:
        """A completed WebSocket upgrade, then silence: no Engine.IO open packet, ever."""
        self._upgrade(sock, path, headers)
        _drain(sock, STALL_LIMIT)

    def _deaf(self, sock, path, headers) -> None:
        """A completed WebSocket upgrade, then the socket is never read again: the client's sends
        fill the buffers and block."""
        self._upgrade(sock, path, headers)
        self._stopping.wait(STALL_LIMIT)

    def _garbage(self, sock, _path, _headers) -> None:
        """Random bytes in place of an HTTP response (ended by a blank line, so the client parses
        them instead of waiting for more), different on every connection."""
        sock.sendall(os.urandom(48) + b"\r\n\r\n")

    def _garbage_headers(self, sock, _path, _headers) -> None:
        """A 101 status line followed by random bytes where the headers should be."""
        sock.sendall(b"HTTP/1.1 101 Switching Protocols\r\n" + os.urandom(48) + b"\r\n\r\n")

    def _close_with(self, sock, path, headers, code: int) -> None:
        """Upgrade, then close at once with ``code`` (a policy or an overload code)."""
        self._upgrade(sock, path, headers)
        sock.sendall(close_frame(code, b"go away"))
        _drain(sock, 1.0)

    def _drop(self, sock, path, headers) -> None:
        """Upgrade, then drop the TCP connection without a close frame (the client sees 1006)."""
        self._upgrade(sock, path, headers)


@contextlib.contextmanager
def refusing_port() -> Iterator[str]:
    """A ``ws://`` URL whose port refuses every connection: bound (so nobody else takes it) but
    not listening, so the kernel answers each SYN with a reset, like a server that is down."""
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.bind(("127.0.0.1", 0))
    try:
        yield f"ws://127.0.0.1:{holder.getsockname()[1]}"
    finally:
        holder.close()
