"""One accepted WebSocket: counted, lock-protected sends and counted receives, and the idle
timeout a gateway would apply to it."""

from __future__ import annotations

import contextlib
import socket
from dataclasses import dataclass

import gevent

from .handler import DemoWebSocket
from .stats import DemoStats

Frame = str | bytes | bytearray
IDLE_CLOSE_CODE = 1001
IDLE_CLOSE_WAIT_S = 1.0


@dataclass(frozen=True)
class IdlePolicy:
    """What the server does to a connection whose client sent no message for ``timeout`` seconds
    (0: never), as load balancers and gateways do: ``"close"`` with 1001 (going away) or ``"drop"``
    the TCP connection without a close frame. Pings do not count as messages."""

    timeout: float = 0.0
    action: str = "close"

    def __post_init__(self) -> None:
        if self.timeout < 0 or self.action not in ("close", "drop"):
            raise ValueError("idle timeout must be >= 0 s and its action 'close' or 'drop'")


def frame_size(frame: Frame) -> int:
    """Payload bytes of a frame; text counts as its UTF-8 length (str.isascii() is O(1))."""
    if isinstance(frame, str) and not frame.isascii():
        return len(frame.encode("utf-8"))
    return len(frame)


class Connection:
    """Wraps a DemoWebSocket so that every frame in and out lands in the stats.

    Several greenlets may send on one socket (room broadcasts, feed pushers, the reader's pongs and
    close replies); ``DemoWebSocket.send_frame`` keeps their frames from interleaving on the wire.
    """

    __slots__ = ("idle", "stats", "ws")

    def __init__(self, ws: DemoWebSocket, stats: DemoStats, idle: IdlePolicy | None = None) -> None:
        self.ws = ws
        self.stats = stats
        self.idle = idle or IdlePolicy()

    def receive(self) -> Frame | None:
        """The next text (str) or binary (bytearray) message, or None once the peer is gone (or
        was closed or dropped for idling)."""
        try:
            if self.idle.timeout:
                with gevent.Timeout(self.idle.timeout, _IdleTimeout):
                    frame = self.ws.receive()
            else:  # no timer per message on the benchmarks' path
                frame = self.ws.receive()
        except _IdleTimeout:
            self._end_idle()
            return None
        except OSError:  # includes WebSocketError, e.g. EOF in the middle of a frame header
            return None
        if frame is not None:
            self.stats.messages_in += 1
            self.stats.bytes_in += frame_size(frame)
        return frame

    def send(self, frame: Frame) -> bool:
        """Send one message (str as text, bytes as binary); False if the peer is gone."""
        try:
            self.ws.send(frame)
        except OSError:
            return False
        self.stats.messages_out += 1
        self.stats.bytes_out += frame_size(frame)
        return True

    def close(self, code: int, reason: str) -> None:
        """Send a close frame with ``code`` once the frame being sent is out, and stop; the
        peer's answer is not awaited (the reader sees it, or the endpoint ends)."""
        self.ws.close(code, reason)

    def _end_idle(self) -> None:
        self.stats.idle_timeouts += 1
        if self.idle.action == "drop":
            self.abort()
        else:
            self.ws.close_and_wait(IDLE_CLOSE_CODE, "idle timeout", IDLE_CLOSE_WAIT_S)

    def abort(self) -> None:
        """Cut the TCP connection without a close frame, so the client sees 1006."""
        handler = self.ws.handler
        sock = getattr(handler, "socket", None)
        if sock is None:
            return
        with contextlib.suppress(OSError):  # already gone
            sock.shutdown(socket.SHUT_RDWR)


class _IdleTimeout(Exception):
    """Raised into a ``receive`` that waited longer than the idle timeout."""
