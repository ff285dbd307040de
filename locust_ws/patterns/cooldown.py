"""``Cooldowns``: when a rate-limited action may run again.

Pure bookkeeping on timestamps you pass in, no gevent. ``RealtimeUser.cooldown`` does the waiting,
in the user's task greenlet only: a wait inside a message handler would stall the connection's
reader, so no other message, reply or pong of that connection would be seen meanwhile.
"""

from __future__ import annotations

import math


class Cooldowns:
    """Named actions, each allowed once per its cooldown; times are seconds on a monotonic clock."""

    def __init__(self) -> None:
        self._last: dict[str, float] = {}

    def remaining(self, name: str, seconds: float, now: float) -> float:
        """Seconds until ``name`` may run again with a ``seconds`` cooldown (0: it may run now)."""
        _check(seconds)
        return max(0.0, self._last.get(name, -math.inf) + seconds - now)

    def reserve(self, name: str, seconds: float, now: float) -> float:
        """Book the next run of ``name``: returns the seconds to wait for it and counts the run as
        happening then, so the one after waits a full ``seconds`` from it."""
        wait = self.remaining(name, seconds, now)
        self._last[name] = now + wait
        return wait

    def try_reserve(self, name: str, seconds: float, now: float) -> bool:
        """Book a run of ``name`` now if its cooldown is over; never books a later one."""
        if self.remaining(name, seconds, now) > 0:
            return False
        self._last[name] = now
        return True


def _check(seconds: float) -> None:
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"cooldown seconds must be a finite number >= 0 (got {seconds})")
