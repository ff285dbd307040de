"""``IndexPool``: hands out the lowest free user index and takes indexes back.

Pure bookkeeping, no sockets and no gevent. The master of a Locust cluster (or the single local
process) keeps one pool for every user of the run, so indexes are unique across all workers.
Handing out the *lowest* free index is what keeps a round-robin split balanced through ramps:
while users only start, the running users hold exactly ``0..N-1``; users stopped by a ramp-down
leave holes, and the next users to start fill those holes first, so growing back to ``N`` users
restores ``0..N-1`` whichever users Locust chose to stop.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable


class IndexPool:
    """Unique non-negative indexes, each held by an owner (a worker id, or ``"local"``)."""

    def __init__(self) -> None:
        self._free: list[int] = []  # a heap of released indexes below _next
        self._next = 0  # every index >= _next has never been handed out
        self._owners: dict[int, Hashable] = {}

    def acquire(self, owner: Hashable = "local") -> int:
        """The lowest index nobody holds, now held by ``owner``."""
        if self._free:
            index = heapq.heappop(self._free)
        else:
            index = self._next
            self._next += 1
        self._owners[index] = owner
        return index

    def release(self, index: int, owner: Hashable | None = None) -> bool:
        """Give ``index`` back; with ``owner``, only if that owner holds it. Returns whether it was
        released (a stale or repeated release is ignored, so it can never free someone else's)."""
        holder = self._owners.get(index, _NOBODY)
        if holder is _NOBODY or (owner is not None and holder != owner):
            return False
        del self._owners[index]
        heapq.heappush(self._free, index)
        return True

    def release_owner(self, owner: Hashable) -> list[int]:
        """Give back every index ``owner`` holds (a worker that quit or went missing)."""
        indexes = sorted(index for index, holder in self._owners.items() if holder == owner)
        for index in indexes:
            self.release(index)
        return indexes

    def owners(self) -> set[Hashable]:
        """Everybody holding at least one index."""
        return set(self._owners.values())

    def held(self) -> list[int]:
        """The indexes in use, ascending."""
        return sorted(self._owners)

    def __len__(self) -> int:
        return len(self._owners)


_NOBODY = object()
