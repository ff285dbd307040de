"""One heartbeat scheduler for every connection of the process, instead of a greenlet each.

A sleeping greenlet per connection costs kilobytes of saved stack; ten thousand idle connections
need only their due times. ``TimerHeap`` keeps them (pure: no gevent), and ``HeartbeatScheduler``
runs one greenlet that sleeps until the earliest is due and calls its ``tick(now)``, which does
its connection's work (send a ping, declare a missing pong, check the server's ping) and returns
when it is due next, or ``None`` to stop. A tick must not block: anything that can wait (sending
a ping into a full socket buffer) goes to a greenlet of its own, so one slow connection never
delays the heartbeats of the others.
"""

from __future__ import annotations

import heapq
import itertools
import logging
from collections.abc import Callable
from time import perf_counter

import gevent
from gevent.event import Event

logger = logging.getLogger(__name__)

Tick = Callable[[float], "float | None"]


def _ended(_now: float) -> None:
    """The tick of a cancelled timer: it never runs, and holds no connection."""


class HeartbeatTimer:
    """One connection's place in the schedule; ``cancel`` it when the connection ends."""

    __slots__ = ("active", "due", "tick")

    def __init__(self, tick: Tick, due: float) -> None:
        self.tick = tick
        self.due = due
        self.active = True


class TimerHeap:
    """Due times (``perf_counter`` seconds) of many timers. Cancelled and moved timers leave
    their old entries behind, dropped as they come due; once none is active the heap is emptied."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, HeartbeatTimer]] = []
        self._order = itertools.count()
        self.active = 0

    def add(self, tick: Tick, due: float) -> HeartbeatTimer:
        timer = HeartbeatTimer(tick, due)
        self.active += 1
        self._push(timer)
        return timer

    def cancel(self, timer: HeartbeatTimer) -> None:
        if timer.active:
            timer.active = False
            # Its stale entries stay in the heap until they come due (up to a ping interval): they
            # must not keep the closed connection alive that long.
            timer.tick = _ended
            self.active -= 1
            if not self.active:
                self._heap.clear()

    def next_due(self) -> float | None:
        """When the earliest timer is due, ``None`` when there is none."""
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now: float) -> list[HeartbeatTimer]:
        """The active timers due at ``now``, taken out of the heap (``reschedule`` puts them back)."""
        due = []
        heap = self._heap
        while heap and heap[0][0] <= now:
            when, _, timer = heapq.heappop(heap)
            if timer.active and when == timer.due:
                due.append(timer)
        return due

    def move(self, timer: HeartbeatTimer, due: float) -> None:
        """Make an active timer due at ``due`` instead (its old entry becomes stale)."""
        if timer.active and due != timer.due:
            timer.due = due
            self._push(timer)

    def reschedule(self, timer: HeartbeatTimer, due: float | None) -> None:
        """Put a popped timer back at ``due``, or end it (``None``)."""
        if due is None:
            self.cancel(timer)
        elif timer.active:
            timer.due = due
            self._push(timer)

    def _push(self, timer: HeartbeatTimer) -> None:
        heapq.heappush(self._heap, (timer.due, next(self._order), timer))


class HeartbeatScheduler:
    """The greenlet that fires every timer of a ``TimerHeap``; it runs while a timer is active."""

    def __init__(self) -> None:
        self.timers = TimerHeap()
        self._runner: gevent.Greenlet | None = None
        self._wake = Event()

    def start(self, tick: Tick, due: float) -> HeartbeatTimer:
        """Call ``tick(now)`` at ``due`` (``perf_counter`` seconds), then whenever it says."""
        earliest = self.timers.next_due()
        timer = self.timers.add(tick, due)
        if self._runner is None or self._runner.dead:
            self._runner = gevent.spawn(self._run)
        elif earliest is None or due < earliest:
            self._wake.set()
        return timer

    def move(self, timer: HeartbeatTimer | None, due: float) -> None:
        """Make ``timer`` due at ``due`` (earlier or later than it was)."""
        if timer is not None:
            earliest = self.timers.next_due()
            self.timers.move(timer, due)
            if earliest is not None and due < earliest:
                self._wake.set()

    def cancel(self, timer: HeartbeatTimer | None) -> None:
        if timer is not None:
            self.timers.cancel(timer)
            if not self.timers.active:
                self._wake.set()  # let the runner end

    def _run(self) -> None:
        timers = self.timers
        while timers.active:
            next_due = timers.next_due()
            now = perf_counter()
            if next_due is None or next_due > now:
                self._wake.clear()
                self._wake.wait(None if next_due is None else next_due - now)
                continue
            for timer in timers.pop_due(now):
                try:
                    due = timer.tick(now)
                except Exception:  # one broken connection must not stop the others
                    logger.exception("heartbeat tick failed; that connection's heartbeat stops")
                    due = None
                timers.reschedule(timer, due)
        self._runner = None


scheduler = HeartbeatScheduler()
"""The process's scheduler (Locust runs every user of a process in one gevent hub)."""
