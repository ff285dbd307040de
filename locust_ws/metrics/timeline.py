"""Traffic per second and the open-connections gauge over a run: live rates and report charts.

Bounded: once it holds ``max_points`` buckets, neighbouring buckets merge and each bucket covers
twice as many seconds, so a day-long run costs what a half-hour one does. Pure data.
"""

from __future__ import annotations

import math
from typing import Any

MESSAGES_IN, MESSAGES_OUT, BYTES_IN, BYTES_OUT, OPEN = range(5)
"""Positions in a bucket: four sums over the bucket's seconds, then the last open-connections
value seen in it (``None`` when the gauge did not move)."""
RATE_WINDOW_S = 10
RATE_LAG_S = 2
"""Live rates average the 10 seconds that ended 2 seconds ago, as Locust's current RPS does:
the latest second is still filling (and on a master, workers report every 3 s)."""


Bucket = list[Any]
"""``[messages in, messages out, bytes in, bytes out, open connections or None]``"""


def new_bucket() -> Bucket:
    return [0, 0, 0, 0, None]


class Timeline:
    """Buckets of ``width`` seconds, keyed by the (whole) second they start at."""

    def __init__(self, max_points: int = 1800) -> None:
        self.max_points = max_points
        self.width = 1
        self.buckets: dict[int, Bucket] = {}

    def bucket(self, second: int) -> Bucket:
        """The bucket holding ``second`` (created when needed); callers add to its fields."""
        start = second - second % self.width
        bucket = self.buckets.get(start)
        if bucket is None:
            if len(self.buckets) >= self.max_points:
                self._coarsen()
                return self.bucket(second)
            bucket = self.buckets[start] = new_bucket()
        return bucket

    def add(self, second: int, values: list[Any]) -> None:
        """Add traffic sums (and a gauge value, when ``values`` has one) to a bucket."""
        bucket = self.bucket(second)
        for field in (MESSAGES_IN, MESSAGES_OUT, BYTES_IN, BYTES_OUT):
            bucket[field] += values[field]
        if len(values) > OPEN and values[OPEN] is not None:
            bucket[OPEN] = values[OPEN]

    def _coarsen(self) -> None:
        old = self.buckets
        self.width *= 2
        self.buckets = {}
        for start in sorted(old):
            self.add(start, old[start])

    def rates(self, now: float) -> tuple[float, float, float, float]:
        """Messages in, messages out, bytes in, bytes out per second over the recent window."""
        end = int(now - RATE_LAG_S)
        end -= end % self.width
        span = max(RATE_WINDOW_S, self.width)
        span = math.ceil(span / self.width) * self.width
        totals = [0, 0, 0, 0]
        for start in range(end - span, end, self.width):
            bucket = self.buckets.get(start)
            if bucket is not None:
                for field in range(4):
                    totals[field] += bucket[field]
        return tuple(total / span for total in totals)  # type: ignore[return-value]

    def points(self) -> list[list[float]]:
        """``[second, msgs in/s, msgs out/s, open connections]`` per bucket in time order, with
        empty buckets filled in and the gauge carried forward from the last value seen."""
        if not self.buckets:
            return []
        first, last = min(self.buckets), max(self.buckets)
        gauge = 0
        points = []
        for start in range(first, last + 1, self.width):
            bucket = self.buckets.get(start) or new_bucket()
            if bucket[OPEN] is not None:
                gauge = bucket[OPEN]
            points.append([start, bucket[MESSAGES_IN] / self.width, bucket[MESSAGES_OUT] / self.width, gauge])
        return points

    def to_wire(self) -> list[list[int]]:
        """The traffic sums of every bucket as ``[second, in, out, bytes in, bytes out]``, for a
        worker's report (the master keeps the cluster's gauge itself)."""
        return [[start, *bucket[:OPEN]] for start, bucket in self.buckets.items()]

    def add_wire(self, wire: list[list[int]]) -> None:
        """Add the traffic of another timeline's ``to_wire``."""
        for start, *sums in wire:
            self.add(int(start), sums)
