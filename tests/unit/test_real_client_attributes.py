"""The user-class attributes of issue 15 are checked before any load, like every other: a slow
reader's rate and buffer, source addresses, the Socket.IO rejoin flag and an idle sweep's
durations, each refused with one line naming class and attribute."""

from __future__ import annotations

import pytest

from locust_ws import IdleSweepUser, SocketIOUser, WebSocketUser


@pytest.mark.parametrize(
    ("base", "attribute", "value", "complaint"),
    [
        (WebSocketUser, "receive_rate", -5, "expected a number >= 0"),
        (WebSocketUser, "receive_buffer", 4096.5, "expected a whole number >= 0"),
        (WebSocketUser, "source_addresses", "127.0.0.300", "'127.0.0.300' does not appear to be an IPv4"),
        (WebSocketUser, "source_addresses", 127, "a string or a list of strings"),
        (SocketIOUser, "rejoin_rooms", "yes", "expected True or False"),
        (IdleSweepUser, "idle_durations", (), "expected a non-empty list or tuple of seconds > 0"),
        (IdleSweepUser, "idle_durations", (10, -1), "expected a non-empty list or tuple of seconds > 0"),
        (IdleSweepUser, "holds", 0, "expected at least 1"),
    ],
)
def test_a_bad_value_is_one_line_naming_class_and_attribute(base, attribute, value, complaint):
    user_class = type("Configured", (base,), {"abstract": True, attribute: value})
    [problem] = user_class.attribute_problems()
    assert problem.startswith(f"Configured.{attribute} = {value!r}: ") and complaint in problem


def test_the_defaults_and_good_values_pass():
    good = {"receive_rate": 20.0, "receive_buffer": 4096, "source_addresses": ["127.0.0.2/31", "::1"]}
    for base in (WebSocketUser, SocketIOUser, IdleSweepUser):
        assert type("Configured", (base,), {"abstract": True, **good}).attribute_problems() == []
