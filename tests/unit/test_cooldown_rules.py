"""Cooldowns bookkeeping: when a rate-limited action may run again. Pure, no gevent."""

import math

import pytest

from locust_ws.patterns.cooldown import Cooldowns


def test_first_use_is_free_then_each_waits_a_full_cooldown():
    cooldowns = Cooldowns()
    assert cooldowns.reserve("join", 2.0, now=10.0) == 0.0
    assert cooldowns.reserve("join", 2.0, now=10.5) == pytest.approx(1.5)
    # booked at 12.0, so the next one is due at 14.0
    assert cooldowns.reserve("join", 2.0, now=12.0) == pytest.approx(2.0)


def test_names_cool_down_independently():
    cooldowns = Cooldowns()
    cooldowns.reserve("join", 5.0, now=0.0)
    assert cooldowns.reserve("leave", 5.0, now=0.0) == 0.0
    assert cooldowns.remaining("join", 5.0, now=1.0) == pytest.approx(4.0)


def test_try_reserve_never_books_a_later_run():
    cooldowns = Cooldowns()
    assert cooldowns.try_reserve("ack", 1.0, now=0.0)
    assert not cooldowns.try_reserve("ack", 1.0, now=0.5)
    assert cooldowns.remaining("ack", 1.0, now=0.5) == pytest.approx(0.5)  # the refusal booked nothing
    assert cooldowns.try_reserve("ack", 1.0, now=1.0)


@pytest.mark.parametrize("seconds", [-1, math.nan, math.inf])
def test_bad_cooldowns_are_rejected(seconds):
    with pytest.raises(ValueError, match="cooldown seconds"):
        Cooldowns().reserve("join", seconds, now=0.0)
