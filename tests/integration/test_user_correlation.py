"""A ``correlation`` callable set on a user class pairs replies as it does on a session: it is
called with the message alone, never bound to the user as a method would be."""

from __future__ import annotations

import itertools
from collections.abc import Hashable
from typing import Any

from locust import constant, task

from locust_ws import WebSocketUser

from .test_user import run_users

_SEQUENCE = itertools.count(1)


def sequence_number(message: Any) -> Hashable | None:
    return message.get("seq") if isinstance(message, dict) else None


class SequencedEchoUser(WebSocketUser):
    path = "/echo"
    wait_time = constant(0.05)
    correlation = sequence_number

    @task
    def echo(self) -> None:
        self.client.request({"seq": next(_SEQUENCE)}, name="echo by seq")


def test_a_correlation_function_on_the_user_class_pairs_replies_by_its_key(demo_url):
    _, log = run_users(SequencedEchoUser, demo_url, users=2, seconds=0.5)
    assert len(log.successes("echo by seq")) >= 2
    assert log.failures() == []
