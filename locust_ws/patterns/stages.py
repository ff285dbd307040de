"""``Stages``: k6-style ramps as a Locust ``LoadTestShape``, declared in one line.

    class Ramp(Stages): stages = [("30s", 1000), ("2m", 5000), ("30s", 0)]

Each stage is ``(duration, target users)``: starting from the previous stage's target (0 at the
start), the user count moves linearly to the target over the duration, as k6's ``stages`` do; the
run stops after the last stage. Locust receives each stage as "go to the target at
``|target - previous| / duration`` users per second", so its own dispatcher does the ramp, spread
over every worker. The arithmetic is ``stage_at``, a pure function.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import ClassVar

from locust import LoadTestShape
from locust.util.timespan import parse_timespan

Duration = float | int | str
"""Seconds, or a Locust time span such as ``"90s"``, ``"2m"``, ``"1h30m"``."""


def parse_stages(stages: Sequence[tuple[Duration, int]]) -> list[tuple[float, int]]:
    """``(seconds, users)`` pairs, or a ``ValueError`` saying which stage is wrong and why."""
    if not stages:
        raise ValueError("stages must list at least one (duration, target users) stage")
    parsed = []
    for number, stage in enumerate(stages, start=1):
        try:
            duration, target = stage
            seconds = float(parse_timespan(duration)) if isinstance(duration, str) else float(duration)
        except (TypeError, ValueError) as error:
            problem = f"stage {number} {stage!r}: expected (duration, target users): {error}"
            raise ValueError(problem) from None
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"stage {number} {stage!r}: duration must be a finite number of seconds >= 0")
        if isinstance(target, bool) or not isinstance(target, int) or target < 0:
            raise ValueError(f"stage {number} {stage!r}: target users must be an int >= 0")
        parsed.append((seconds, target))
    return parsed


def stage_at(stages: Sequence[tuple[float, int]], elapsed: float) -> tuple[int, float] | None:
    """What Locust should do ``elapsed`` seconds into the run: ``(target users, spawn rate per
    second)``, or ``None`` once the last stage is over. A zero-length stage jumps to its target; a
    stage that keeps the count (a hold) gets a spawn rate of ``target`` per second, so a shortfall
    left by a jump or a slow ramp is made up at once."""
    stage_start, previous = 0.0, 0
    for duration, target in stages:
        if elapsed < stage_start + duration:
            change = abs(target - previous)
            return target, (change / duration if change else float(max(target, 1)))
        stage_start, previous = stage_start + duration, target
    return None


class Stages(LoadTestShape):
    """Subclass it with a ``stages`` list; Locust picks the subclass up from the locustfile."""

    abstract: ClassVar[bool] = True
    stages: ClassVar[Sequence[tuple[Duration, int]]] = ()
    """``(duration, target users)`` per stage; a duration is seconds or a time span like ``"2m"``."""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.abstract:
            cls._parsed = parse_stages(cls.stages)  # a typo fails when the locustfile loads

    _parsed: ClassVar[list[tuple[float, int]]] = []

    def tick(self) -> tuple[int, float] | None:
        """Locust calls this every second: the current stage's target and spawn rate."""
        return stage_at(self._parsed, self.get_run_time())
