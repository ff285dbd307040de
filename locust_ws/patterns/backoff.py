"""Reconnect delays: exponential backoff with full jitter.

Pure arithmetic, no sockets and no gevent. Full jitter (a uniform draw between 0 and the exponential
bound, as in the AWS Architecture Blog's "Exponential Backoff And Jitter") spreads a crowd of
clients that lost their connections at the same instant, so they do not reconnect in lockstep and
knock the server over again (the thundering herd).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

_SHARED_RNG = random.Random()


@dataclass(frozen=True)
class Backoff:
    """Delay before reconnect attempt ``attempt`` (0 for the first): ``min(cap, base * 2**attempt)``
    seconds, or a uniform draw below it when ``jitter`` is on. ``max_attempts=0`` never gives up."""

    base: float = 0.5
    cap: float = 30.0
    max_attempts: int = 0
    jitter: bool = True
    rng: random.Random = field(default=_SHARED_RNG, compare=False, repr=False)
    """Where the jitter comes from: the process's shared generator unless a test passes its own
    (a ``Random`` per user would cost every user 2.8 KiB of generator state)."""

    def __post_init__(self) -> None:
        if self.base < 0 or self.cap < 0:
            raise ValueError("backoff base and cap must be >= 0 seconds")
        if self.max_attempts < 0:
            raise ValueError("max_attempts must be >= 0 (0 = never give up)")

    def bound(self, attempt: int) -> float:
        """The largest delay for ``attempt``."""
        return min(self.cap, self.base * 2.0 ** min(attempt, 64))

    def delay(self, attempt: int) -> float:
        """Seconds to wait before ``attempt``."""
        bound = self.bound(attempt)
        return self.rng.uniform(0.0, bound) if self.jitter else bound

    def gives_up_at(self, attempt: int) -> bool:
        """True when ``attempt`` is past the allowed number of attempts."""
        return self.max_attempts > 0 and attempt >= self.max_attempts
