"""RoundRobin: resources[(user_index + step) % len(resources)]. Pure, no sockets."""

import itertools
from collections import Counter

import pytest

from locust_ws import RoundRobin


def test_pick_follows_the_formula():
    rooms = RoundRobin(["a", "b", "c"])
    assert [rooms.pick(user_index) for user_index in range(7)] == ["a", "b", "c", "a", "b", "c", "a"]
    assert rooms.pick(user_index=1, step=1) == "c"
    assert rooms.pick(user_index=2, step=4) == rooms.resources[(2 + 4) % 3]


def test_n_users_split_evenly_at_every_step():
    rooms = RoundRobin([f"room-{number}" for number in range(8)])
    for step in range(10):
        counts = Counter(rooms.pick(user_index, step) for user_index in range(40))
        assert set(counts.values()) == {5}


def test_walk_visits_every_resource_in_turn_from_the_users_own():
    symbols = RoundRobin(["AAPL", "MSFT", "GOOG", "AMZN"])
    assert list(itertools.islice(symbols.walk(2), 6)) == ["GOOG", "AMZN", "AAPL", "MSFT", "GOOG", "AMZN"]


def test_bad_input_is_rejected_clearly():
    with pytest.raises(ValueError, match="at least one resource"):
        RoundRobin([])
    with pytest.raises(ValueError, match=">= 0"):
        RoundRobin(["a"]).pick(-1)
