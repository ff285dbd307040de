"""What a reconnect storm did: the peak handshake rate and the recovery time, counted on the
server, and the time until the clients were resubscribed, counted on the clients.

Pure functions, no sockets. ``peak_rate`` and ``recovery_time`` read epoch seconds (the demo
server's ``GET /stats`` ``handshake_times``): where the herd lands, not the clients that caused it;
they are also how the connect-rate cap is checked. A reconnected socket is not yet a recovered
client: ``counts_since`` and ``percentile_of_counts`` read the ``resubscribe <path>`` row (loss to
the end of the ``on_connect`` hooks) one storm at a time.
"""

from __future__ import annotations

import itertools
import math
from bisect import bisect_left
from collections.abc import Iterable, Mapping


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


def counts_since(before: Mapping[int, int], after: Mapping[int, int]) -> dict[int, int]:
    """The samples added between two snapshots of a ``{value: count}`` histogram (Locust's
    ``StatsEntry.response_times``, in rounded ms): what one storm added to a row that lives for
    the whole run, on a master too, where only these aggregated counts arrive."""
    added = {value: count - before.get(value, 0) for value, count in after.items()}
    return {value: count for value, count in added.items() if count > 0}


def percentile_of_counts(counts: Mapping[int, int], share: float) -> float | None:
    """The smallest value at or below which ``share`` (0 < share <= 1) of the samples of a
    ``{value: count}`` histogram fall (``None`` for no samples)."""
    if not 0 < share <= 1:
        raise ValueError("share must be in (0, 1]")
    values = sorted(value for value, count in counts.items() if count > 0)
    cumulative = list(itertools.accumulate(counts[value] for value in values))
    if not cumulative:
        return None
    return float(values[bisect_left(cumulative, math.ceil(share * cumulative[-1]))])
