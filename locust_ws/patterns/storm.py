"""What a server's handshake timestamps say: the peak handshake rate and the recovery time.

Pure functions over epoch seconds (the demo server's ``GET /stats`` ``handshake_times``), no
sockets. They are how the connect-rate cap is checked and how the reconnect-storm scenario sums
up a storm: counted on the server, where the herd lands, not on the clients that caused it.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable


def peak_rate(times: Iterable[float], window: float = 1.0) -> float:
    """The most handshakes that fell into any ``window``-second interval ``[t, t + window)``,
    divided by ``window``: handshakes per second in the busiest window (0 for none)."""
    if window <= 0:
        raise ValueError("window must be > 0 seconds")
    ordered = sorted(times)
    busiest = 0
    start = 0
    for end, time in enumerate(ordered):
        while time - ordered[start] >= window:
            start += 1
        busiest = max(busiest, end - start + 1)
    return busiest / window


def recovery_time(
    times: Iterable[float], dropped_at: float, expected: int, share: float = 0.95
) -> float | None:
    """Seconds from ``dropped_at`` until ``share`` of ``expected`` connections had reconnected
    (the ``ceil(share * expected)``-th handshake at or after the drop), or ``None`` if they never did."""
    if not 0 < share <= 1:
        raise ValueError("share must be in (0, 1]")
    needed = math.ceil(share * expected)
    if needed <= 0:
        return 0.0
    ordered = sorted(times)
    after = ordered[bisect_left(ordered, dropped_at) :]
    if len(after) < needed:
        return None
    return after[needed - 1] - dropped_at
