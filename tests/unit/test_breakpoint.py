"""Breakpoint: the step arithmetic and the verdict, with the time and the judge passed in (a real
run against a demo server at capacity: tests/system/test_breakpoint.py)."""

from __future__ import annotations

import pytest

from locust_ws import Breakpoint
from locust_ws.patterns.breakpoint import BreakpointSearch


def drive(search: BreakpointSearch, broken_above: int, seconds: int) -> list[tuple[int, float] | None]:
    """Tick once a second; the judge says broken once the current target exceeds ``broken_above``."""
    commands = []
    for now in range(seconds):
        commands.append(
            search.tick(
                float(now),
                lambda: ["too many"] if search.level * search.step > broken_above else [],
                lambda: {"open_connections": float(search.level * search.step)},
            )
        )
    return commands


def test_each_step_adds_users_at_the_rate_and_is_judged_when_it_ends():
    search = BreakpointSearch(step=10, rate=5.0, step_s=3.0, max_users=1000)
    commands = drive(search, broken_above=30, seconds=20)
    assert commands[:7] == [(10, 5.0)] * 3 + [(20, 5.0)] * 3 + [(30, 5.0)]
    assert search.sustained == 30 and search.broken_by == ["too many"]
    assert search.sustained_at == {"open_connections": 30.0}
    assert search.broken_at == 12.0 and commands[12] is None  # the end of the 40-user step


def test_hold_goes_back_to_the_sustained_count_for_the_hold_time():
    search = BreakpointSearch(step=10, rate=10.0, step_s=2.0, max_users=1000, then="hold", hold_s=3.0)
    commands = drive(search, broken_above=20, seconds=12)
    assert search.broken_at == 6.0
    assert commands[6:9] == [(20, 30.0)] * 3 and commands[9] is None


def test_max_users_with_the_target_still_coping_ends_the_search_unbroken():
    search = BreakpointSearch(step=10, rate=10.0, step_s=1.0, max_users=30)
    commands = drive(search, broken_above=10_000, seconds=6)
    assert search.exhausted and search.sustained == 30 and not search.broken_by
    assert commands[3] is None


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"step": 0}, "step must be >= 1"),
        ({"rate": 0.0}, "rate must be > 0"),
        ({"step_s": 1.0, "rate": 2.0}, "shorter than the ramp of one step"),
    ],
)
def test_impossible_searches_are_refused(options, message):
    arguments = {"step": 10, "rate": 10.0, "step_s": 5.0, "max_users": 100, **options}
    with pytest.raises(ValueError, match=message):
        BreakpointSearch(**arguments)


def test_a_subclass_without_stop_conditions_fails_when_the_locustfile_loads():
    with pytest.raises(ValueError, match="stop_when must name at least one condition"):

        class NoCondition(Breakpoint):
            step = 5


def test_a_subclass_declares_its_search_in_class_attributes():
    class Find(Breakpoint):
        step = 25
        step_time = "5s"
        stop_when = "handshake_failure_rate>1%"

    search = Find().search
    assert (search.step, search.rate, search.step_s, search.max_users) == (25, 25.0, 5.0, 100_000)
