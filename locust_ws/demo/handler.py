"""gevent-websocket glue: an RFC-correct close handshake, whole frames on the wire, and a quiet,
one-line-per-connection log.

gevent-websocket 0.10.1 drops the status code when it sends a close frame (so clients see 1005
instead of the code the server chose) and forgets the code of the close frame it receives. The
demo server exists to test close codes, so both are fixed here. The received/sent codes are left
in the request environ, which outlives the socket object, for the endpoint wrapper to count.

gevent-websocket also writes from whichever greenlet sends: the reader answers pings and close
frames itself while a pusher may be half-way through a frame a slow client has not drained, and
the two frames' bytes then interleave (clients fail with 1007 or 1002). Every frame is written
under its connection's lock.
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import struct
from typing import Any

import gevent
from gevent.lock import Semaphore
from geventwebsocket.exceptions import WebSocketError
from geventwebsocket.handler import WebSocketHandler
from geventwebsocket.websocket import Header, WebSocket

CLOSE_SENT_KEY = "locust_ws.close_code_sent"
CLOSE_RECEIVED_KEY = "locust_ws.close_code_received"
NO_STATUS_RECEIVED = 1005

access_log = logging.getLogger("locust_ws.demo.access")
_QUERY_STRING = re.compile(r"\?\S*")


def _close_code(payload: bytes) -> int:
    return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else NO_STATUS_RECEIVED


class DemoWebSocket(WebSocket):
    """A WebSocket whose close frames carry their status code and whose peer's code is recorded.

    Installed by swapping `__class__` on the object gevent-websocket creates (no new slots, so the
    layout is identical), because the handler hard-codes the class it instantiates.
    """

    __slots__ = ()

    def handle_close(self, header: Header, payload: bytes) -> None:
        self._record(CLOSE_RECEIVED_KEY, _close_code(payload))
        super().handle_close(header, payload)

    def close(self, code: int = 1000, message: bytes | str | None = b"") -> None:
        """Send a close frame with `code` (once) and mark the socket closed."""
        if self.closed:
            return
        try:
            self._send_close_frame(code, message)
        finally:
            self._detach()

    def close_and_wait(self, code: int, reason: str, timeout: float) -> None:
        """Start a close handshake and wait up to `timeout` s for the peer's close frame.

        Waiting lets the client's reply arrive before the TCP connection goes away (otherwise it
        may meet a reset) and lets the server count the code the client answered with.
        """
        if self.closed:
            return
        try:
            if self._send_close_frame(code, reason):
                gevent.with_timeout(timeout, self._await_close_frame, timeout_value=None)
        except OSError:  # WebSocketError is an OSError: the peer is gone, nothing to wait for
            pass
        finally:
            self._detach()

    def _await_close_frame(self) -> None:
        while True:
            header, payload = self.read_frame()
            if header.opcode == self.OPCODE_CLOSE:
                self._record(CLOSE_RECEIVED_KEY, _close_code(payload))
                return

    def send_frame(self, message: bytes | bytearray | str, opcode: int) -> None:
        """One frame, never interleaved with another greenlet's (see the module docstring)."""
        with self.handler.send_lock:
            self._write_frame(message, opcode)

    def _write_frame(self, message: bytes | bytearray | str, opcode: int) -> None:
        """Write one frame; the lock is held. Subclasses that encode frames differently override
        this, not ``send_frame``."""
        WebSocket.send_frame(self, message, opcode)

    def _send_close_frame(self, code: int, message: bytes | str | None) -> bool:
        if isinstance(message, str):
            message = message.encode("utf-8")
        try:
            self.send_frame(struct.pack("!H", code) + (message or b""), self.OPCODE_CLOSE)
        except WebSocketError:
            return False
        self._record(CLOSE_SENT_KEY, code)
        return True

    def _record(self, key: str, code: int) -> None:
        if self.environ is not None:  # None once detached
            self.environ[key] = code

    def _detach(self) -> None:
        # Same end state as gevent-websocket's own close(): refuse further I/O, drop references.
        self.closed = True
        self.stream = None
        self.raw_write = None
        self.raw_read = None
        self.environ = None


class DemoHandler(WebSocketHandler):
    """WebSocketHandler that installs DemoWebSocket and logs each request once, at INFO."""

    def __init__(self, sock: socket.socket, address: Any, server: Any = None, rfile: Any = None) -> None:
        # Nagle's algorithm off: two writes in a row (an event then an ack, HTTP headers then a
        # polling body) would otherwise wait for the client's delayed ACK, 40 ms of fake latency.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        send_buffer = getattr(server, "send_buffer", 0)
        if send_buffer:  # a small one makes a slow consumer's backlog reach the server's own queue
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
        tcp_clients = getattr(server, "tcp_clients", None)
        if tcp_clients is not None and isinstance(address, tuple):
            tcp_clients[address[0]] += 1
        self.send_lock = Semaphore()
        """Held while one frame is written (``DemoWebSocket.send_frame``)."""
        super().__init__(sock, address, server, rfile)

    def upgrade_connection(self):
        result = super().upgrade_connection()
        websocket = getattr(self, "websocket", None)
        if websocket is not None:
            websocket.__class__ = DemoWebSocket
        return result

    def log_request(self) -> None:
        # For a WebSocket this runs when the connection ends: one line per connection.
        # Query strings carry tokens, and secrets never reach a log: the query is redacted.
        if access_log.isEnabledFor(logging.INFO):
            access_log.info(_QUERY_STRING.sub("?[redacted]", self.format_request()))
