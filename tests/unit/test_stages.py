"""Stages: k6-style ramps as a LoadTestShape. The arithmetic, pure (a real Locust run of one:
tests/system/test_stages.py)."""

import pytest

from locust_ws import Stages
from locust_ws.patterns.stages import parse_stages, stage_at

K6_EXAMPLE = [(30.0, 1000), (120.0, 5000), (30.0, 0)]


def test_each_stage_ramps_linearly_from_the_previous_target():
    assert stage_at(K6_EXAMPLE, 0) == (1000, pytest.approx(1000 / 30))
    assert stage_at(K6_EXAMPLE, 29.9) == (1000, pytest.approx(1000 / 30))
    assert stage_at(K6_EXAMPLE, 30) == (5000, pytest.approx(4000 / 120))
    assert stage_at(K6_EXAMPLE, 150) == (0, pytest.approx(5000 / 30))
    assert stage_at(K6_EXAMPLE, 180) is None


def test_a_hold_makes_up_any_shortfall_at_once_and_a_zero_stage_jumps():
    stages = [(0.0, 40), (10.0, 40), (5.0, 20)]
    assert stage_at(stages, 0) == (40, 40.0)  # the jump is skipped; the hold catches up
    assert stage_at(stages, 12) == (20, pytest.approx(4.0))


def test_durations_take_locust_time_spans():
    assert parse_stages([("30s", 1000), ("2m", 5000), (30, 0)]) == K6_EXAMPLE


@pytest.mark.parametrize(
    ("stages", "message"),
    [
        ([], "at least one"),
        ([(10, -1)], "stage 1 .*target users"),
        ([(10, 5), ("soon", 5)], "stage 2 .*Invalid time span"),
        ([(-3, 5)], "stage 1 .*duration"),
        ([(10, 2.5)], "target users must be an int"),
        ([(10,)], "expected \\(duration, target users\\)"),
    ],
)
def test_a_wrong_stage_is_named_when_the_class_is_defined(stages, message):
    with pytest.raises(ValueError, match=message):
        type("Bad", (Stages,), {"stages": stages})


def test_a_subclass_is_a_shape_locust_picks_up_and_the_base_is_not():
    class Ramp(Stages):
        stages = [(1, 4), (1, 0)]

    assert Stages.abstract and not Ramp.abstract
    assert Ramp().tick() == (4, 4.0)
