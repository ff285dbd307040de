"""Server-side counters, kept as plain attributes so the per-frame path is a couple of integer adds.

Everything runs in gevent greenlets on one OS thread, and none of the updates yield, so no lock is
needed. The numbers are what the load tests compare against what the clients believe they sent.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from typing import Any

HANDSHAKE_TIMES_KEPT = 10_000


class DemoStats:
    """Counters for the plain WebSocket endpoints (Socket.IO keeps its own).

    `abrupt_disconnects` counts connections that ended without a close frame from the client
    (dropped, reset, or simply gone), which the server survives without a traceback.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Zero every counter (open connections are a live gauge and are not stored here)."""
        self.handshakes = 0
        self.handshakes_refused = 0
        self.messages_in = 0
        self.messages_out = 0
        self.bytes_in = 0
        self.bytes_out = 0
        self.abrupt_disconnects = 0
        self.idle_timeouts = 0
        self.pushes_dropped = 0
        self.slow_consumers_closed = 0
        self.send_queue_peak = 0
        self.close_codes_sent: Counter[int] = Counter()
        self.close_codes_received: Counter[int] = Counter()
        self.handshake_times: deque[float] = deque(maxlen=HANDSHAKE_TIMES_KEPT)

    def record_handshake(self) -> None:
        """Count a successful upgrade and remember when it happened (to check connect-rate caps)."""
        self.handshakes += 1
        self.handshake_times.append(time.time())

    def snapshot(self) -> dict[str, Any]:
        """The counters as a JSON-ready dict (close codes become string keys in JSON)."""
        return {
            "handshakes": self.handshakes,
            "handshakes_refused": self.handshakes_refused,
            "messages_in": self.messages_in,
            "messages_out": self.messages_out,
            "bytes_in": self.bytes_in,
            "bytes_out": self.bytes_out,
            "abrupt_disconnects": self.abrupt_disconnects,
            "idle_timeouts": self.idle_timeouts,
            "pushes_dropped": self.pushes_dropped,
            "slow_consumers_closed": self.slow_consumers_closed,
            "send_queue_peak": self.send_queue_peak,
            "close_codes_sent": dict(self.close_codes_sent),
            "close_codes_received": dict(self.close_codes_received),
            "handshake_times": list(self.handshake_times),
        }
