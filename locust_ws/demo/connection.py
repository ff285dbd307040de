"""One accepted WebSocket: counted, lock-protected sends and counted receives."""

from __future__ import annotations

import contextlib
import socket

from gevent.lock import Semaphore

from .handler import DemoWebSocket
from .stats import DemoStats

Frame = str | bytes | bytearray


def frame_size(frame: Frame) -> int:
    """Payload bytes of a frame; text counts as its UTF-8 length (str.isascii() is O(1))."""
    if isinstance(frame, str) and not frame.isascii():
        return len(frame.encode("utf-8"))
    return len(frame)


class Connection:
    """Wraps a DemoWebSocket so that every frame in and out lands in the stats.

    Several greenlets may send on one socket (room broadcasts, feed pushers); the semaphore keeps
    their frames from interleaving on the wire.
    """

    __slots__ = ("_send_lock", "stats", "ws")

    def __init__(self, ws: DemoWebSocket, stats: DemoStats) -> None:
        self.ws = ws
        self.stats = stats
        self._send_lock = Semaphore()

    def receive(self) -> Frame | None:
        """The next text (str) or binary (bytearray) message, or None once the peer is gone."""
        try:
            frame = self.ws.receive()
        except OSError:  # includes WebSocketError, e.g. EOF in the middle of a frame header
            return None
        if frame is not None:
            self.stats.messages_in += 1
            self.stats.bytes_in += frame_size(frame)
        return frame

    def send(self, frame: Frame) -> bool:
        """Send one message (str as text, bytes as binary); False if the peer is gone."""
        with self._send_lock:
            try:
                self.ws.send(frame)
            except OSError:
                return False
        self.stats.messages_out += 1
        self.stats.bytes_out += frame_size(frame)
        return True

    def abort(self) -> None:
        """Cut the TCP connection without a close frame, so the client sees 1006."""
        handler = self.ws.handler
        sock = getattr(handler, "socket", None)
        if sock is None:
            return
        with contextlib.suppress(OSError):  # already gone
            sock.shutdown(socket.SHUT_RDWR)
