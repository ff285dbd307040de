"""``Breakpoint``: ramp connections step by step until the target breaks, then report how many it
sustained. A ``LoadTestShape`` declared in a few lines, like ``Stages``::

    class FindTheLimit(Breakpoint):
        step = 50                                   # users added per step
        step_time = "10s"                           # each step lasts this long, then is judged
        stop_when = ["handshake_failure_rate>1%", "connect:p95>500ms", "server:process_open_fds>10000"]

Each step raises the user count by ``step`` at ``rate`` users per second and holds it until
``step_time`` has passed; then the stop conditions (threshold expressions that are *true* when the
target is broken) are judged by the leading process over the whole cluster, as thresholds are. A
step that ends with no condition true is sustained; the first step that ends with one true is the
breakpoint: the run stops (``then = "stop"``) or goes back to the last sustained count and holds it
for ``hold_time`` (``then = "hold"``). Judging at the end of a step, not every second, leaves time
for the workers' reports (every 3 s) to reach the master, so a breakpoint is never blamed on the
next step. ``BreakpointSearch`` is the arithmetic, pure, with the time and the verdict passed in.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from locust import LoadTestShape
from locust.util.timespan import parse_timespan

from .stages import Duration

Then = Literal["stop", "hold"]
Judge = Callable[[], list[str]]
"""Returns the stop conditions that hold right now (empty: the target copes)."""
Snapshot = Callable[[], dict[str, float | None]]
"""The numbers worth keeping at a sustained step: open connections, connect p95, server series."""


def seconds_of(duration: Duration, what: str) -> float:
    """Seconds from a number or a Locust time span (``"10s"``, ``"2m"``)."""
    try:
        seconds = float(parse_timespan(duration)) if isinstance(duration, str) else float(duration)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{what} {duration!r}: {error}") from None
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"{what} {duration!r}: must be a finite number of seconds >= 0")
    return seconds


@dataclass
class BreakpointSearch:
    """The state of one breakpoint run: which step it is on and what it found."""

    step: int
    rate: float
    step_s: float
    max_users: int
    then: Then = "stop"
    hold_s: float = 0.0
    level: int = 0
    """The current step (its target is ``level * step`` users); 0 before the first tick."""
    level_start: float = 0.0
    sustained: int = 0
    """Users of the last step that ended with no stop condition true."""
    sustained_at: dict[str, float | None] = field(default_factory=dict)
    """The snapshot taken at the end of that step."""
    broken_at: float | None = None
    """Seconds into the run when the breakpoint was found."""
    broken_by: list[str] = field(default_factory=list)
    """The stop conditions that held then."""
    exhausted: bool = False
    """``max_users`` was reached with the target still coping."""

    def __post_init__(self) -> None:
        if self.step < 1 or self.max_users < self.step:
            raise ValueError("step must be >= 1 and max_users >= step")
        if not self.rate > 0:
            raise ValueError("rate must be > 0 users per second")
        if self.step_s < self.step / self.rate:
            raise ValueError(
                f"step_time {self.step_s:g} s is shorter than the ramp of one step "
                f"({self.step} users at {self.rate:g}/s): the step would be judged before it is reached"
            )

    def tick(self, elapsed: float, judge: Judge, snapshot: Snapshot) -> tuple[int, float] | None:
        """``(target users, spawn rate)`` at ``elapsed`` seconds, or ``None`` to end the run."""
        if self.broken_at is not None or self.exhausted:
            return self._after(elapsed)
        if self.level == 0:
            self.level, self.level_start = 1, elapsed
        elif elapsed >= self.level_start + self.step_s:
            crossed = judge()
            if crossed:
                self.broken_at, self.broken_by = elapsed, crossed
                return self._after(elapsed)
            self.sustained, self.sustained_at = self.level * self.step, snapshot()
            if (self.level + 1) * self.step > self.max_users:
                self.exhausted, self.broken_at = True, elapsed
                return self._after(elapsed)
            self.level, self.level_start = self.level + 1, elapsed
        return self.level * self.step, self.rate

    def _after(self, elapsed: float) -> tuple[int, float] | None:
        assert self.broken_at is not None
        if self.then == "hold" and elapsed - self.broken_at < self.hold_s:
            return self.sustained, float(max(self.level * self.step, 1))  # back down at once
        return None


class Breakpoint(LoadTestShape):
    """Subclass it with ``step`` and ``stop_when``; Locust picks the subclass up from the locustfile,
    locust-ws gives it the run's metrics (``judge_with``) and reports what it found."""

    abstract: ClassVar[bool] = True
    step: ClassVar[int] = 10
    """Users added per step."""
    rate: ClassVar[float] = 0.0
    """Spawn rate in users per second over the whole cluster (0: one step per second)."""
    step_time: ClassVar[Duration] = 10
    """How long each step lasts before it is judged: its ramp plus a hold."""
    stop_when: ClassVar[str | Sequence[str]] = ()
    """Threshold expressions that are true once the target is broken, e.g. ``close_code_1006>0``."""
    max_users: ClassVar[int] = 100_000
    then: ClassVar[Then] = "stop"
    hold_time: ClassVar[Duration] = 0
    """With ``then = "hold"``: how long to hold the last sustained count before the run ends."""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.abstract:
            cls._conditions = [cls.stop_when] if isinstance(cls.stop_when, str) else list(cls.stop_when)
            if not cls._conditions:
                raise ValueError(f"{cls.__name__}: stop_when must name at least one condition")
            if cls.then not in ("stop", "hold"):
                raise ValueError(f"{cls.__name__}: then must be 'stop' or 'hold', not {cls.then!r}")
            cls._new_search()  # a bad step or time fails when the locustfile loads

    _conditions: ClassVar[list[str]] = []

    @classmethod
    def _new_search(cls) -> BreakpointSearch:
        return BreakpointSearch(
            step=cls.step,
            rate=cls.rate or float(cls.step),
            step_s=seconds_of(cls.step_time, "step_time"),
            max_users=cls.max_users,
            then=cls.then,
            hold_s=seconds_of(cls.hold_time, "hold_time"),
        )

    _judge: Judge = staticmethod(list)
    _snapshot: Snapshot = staticmethod(dict)
    _search: BreakpointSearch | None = None
    _search_start: float | None = None

    @property
    def search(self) -> BreakpointSearch:
        """This run's search: Locust resets ``start_time`` at each test start, which starts a new one."""
        if self._search is None or self._search_start != self.start_time:
            self._search, self._search_start = self._new_search(), self.start_time
        return self._search

    def judge_with(self, judge: Judge, snapshot: Snapshot) -> None:
        """Wired by the plugin on the leading process: how conditions and snapshots are read."""
        self._judge, self._snapshot = judge, snapshot

    def tick(self) -> tuple[int, float] | None:
        """Locust calls this every second: the current step's target and spawn rate."""
        return self.search.tick(self.get_run_time(), self._judge, self._snapshot)
