"""Backoff arithmetic: pure, no sockets."""

import random

import pytest

from locust_ws import Backoff


def test_bound_doubles_up_to_the_cap():
    backoff = Backoff(base=0.5, cap=4.0, jitter=False)
    assert [backoff.delay(attempt) for attempt in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_full_jitter_stays_below_the_bound_and_spreads():
    backoff = Backoff(base=1.0, cap=8.0, rng=random.Random(7))
    delays = [backoff.delay(3) for _ in range(1000)]
    assert all(0.0 <= delay <= 8.0 for delay in delays)
    assert min(delays) < 1.0 and max(delays) > 7.0  # spread over the whole window


def test_max_attempts_zero_never_gives_up():
    assert not Backoff().gives_up_at(10_000)
    assert Backoff(max_attempts=3).gives_up_at(3)
    assert not Backoff(max_attempts=3).gives_up_at(2)


@pytest.mark.parametrize("options", [{"base": -1}, {"cap": -1}, {"max_attempts": -1}])
def test_invalid_settings_are_rejected(options):
    with pytest.raises(ValueError):
        Backoff(**options)
