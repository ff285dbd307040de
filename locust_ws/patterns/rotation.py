"""``RoundRobin``: which resource (room, channel, symbol, tenant) a user takes at a given step.

Pure arithmetic: ``resources[(user_index + step) % len(resources)]``. With the cluster-wide
``user_index`` of ``RealtimeUser``, N users over R resources put ``N // R`` or ``N // R + 1``
users on each resource, on every worker together, and advancing ``step`` once per iteration walks
each user through all resources in turn while the split stays even at every step.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class RoundRobin(Generic[T]):
    """A fixed list of resources handed out by ``(user_index + step) % len(resources)``."""

    def __init__(self, resources: Sequence[T]) -> None:
        self.resources: tuple[T, ...] = tuple(resources)
        if not self.resources:
            raise ValueError("RoundRobin needs at least one resource")

    def pick(self, user_index: int, step: int = 0) -> T:
        """The resource of ``user_index`` at iteration ``step``."""
        if user_index < 0 or step < 0:
            raise ValueError(f"user_index and step must be >= 0 (got {user_index}, {step})")
        return self.resources[(user_index + step) % len(self.resources)]

    def walk(self, user_index: int) -> Iterator[T]:
        """``pick(user_index, 0)``, ``pick(user_index, 1)``, ... without end: one resource per
        iteration, starting at the user's own."""
        step = 0
        while True:
            yield self.pick(user_index, step)
            step += 1

    def __len__(self) -> int:
        return len(self.resources)
