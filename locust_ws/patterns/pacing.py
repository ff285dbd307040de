"""``ConnectPacer``: spaces new connections so that at most ``rate`` handshakes start per second;
``ReceivePacer``: slows a reader down to ``rate`` messages per second, on purpose.

Pure arithmetic on timestamps you pass in, no sockets and no gevent. Handshakes go single file:
each waits until ``1 / rate`` seconds after the previous one actually started, and records when
it starts. Spacing from the actual starts (rather than from slots booked in advance) means a
stalled process does not release a bunch of late handshakes at once when it resumes, and unlike a
token bucket with a burst allowance an idle period saves nothing up: no one-second window ever
holds more than ``rate`` starts, which is what a server being spawned against feels.
"""

from __future__ import annotations

import math


class ConnectPacer:
    """When the next handshake may start, at most ``rate`` per second; ``rate=0`` means no cap."""

    def __init__(self, rate: float = 0.0) -> None:
        self._rate = 0.0
        self._last_start = -math.inf
        self.rate = rate

    @property
    def rate(self) -> float:
        """Handshakes per second this pacer allows (0: unlimited)."""
        return self._rate

    @rate.setter
    def rate(self, rate: float) -> None:
        if not math.isfinite(rate) or rate < 0:
            raise ValueError(f"connect rate must be a finite number >= 0 (got {rate})")
        self._rate = rate

    def wait_time(self, now: float) -> float:
        """Seconds from ``now`` (any monotonic clock) until the next handshake may start."""
        if self._rate == 0:
            return 0.0
        return max(0.0, self._last_start + 1.0 / self._rate - now)

    def started(self, now: float) -> None:
        """Record that a handshake starts at ``now``."""
        self._last_start = now


class ReceivePacer:
    """When a deliberately slow reader may read again: ``rate`` messages per second on average.

    Each read hands over whatever the socket held, so the pause comes after it and is as long as
    those messages are worth at ``rate``. Like ``ConnectPacer``, a reader that waited for data
    saves nothing up: the next pause is counted from the later of the last one's end and now.
    """

    def __init__(self, rate: float) -> None:
        if not math.isfinite(rate) or rate <= 0:
            raise ValueError(f"receive rate must be a finite number of messages per second > 0 (got {rate})")
        self.rate = rate
        self._next_read = -math.inf

    def pause_after(self, messages: int, now: float) -> float:
        """Seconds to wait after reading ``messages`` messages at ``now`` (a monotonic clock)."""
        self._next_read = max(self._next_read, now) + messages / self.rate
        return max(0.0, self._next_read - now)
