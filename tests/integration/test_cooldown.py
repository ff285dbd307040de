"""RealtimeUser.cooldown in a real LocalRunner: the task waits, while heartbeats and server pushes
keep flowing; a handler cannot block on it, and try_cooldown never waits."""

from __future__ import annotations

import itertools
import time

import gevent
from locust import constant, task
from locust.env import Environment

from locust_ws import WebSocketUser, on_message

from ..support.events import EventLog


class TimedEvents:
    """(perf_counter, name) of every request event, to see what arrived while a task waited."""

    def __init__(self, environment: Environment) -> None:
        self.events: list[tuple[float, str]] = []
        environment.events.request.add_listener(self._record)

    def _record(self, name, **_kwargs):
        self.events.append((time.perf_counter(), name))

    def between(self, start: float, end: float, name: str) -> int:
        return sum(1 for at, event_name in self.events if start <= at <= end and event_name == name)


def test_a_task_waiting_on_a_cooldown_keeps_heartbeats_and_pushes_flowing(demo_url, login):
    token = login()
    waits: list[tuple[float, float, float]] = []

    class FeedUser(WebSocketUser):
        auto_connect = False
        ping_interval = 0.2
        wait_time = constant(0)

        def on_start(self):
            self.client.connect("/feed", query={"token": token, "rate": 20})
            self.client.request({"op": "subscribe", "topic": "t"}, name="subscribe")

        @task
        def join_twice(self):
            if waits:
                gevent.sleep(0.1)
                return
            self.cooldown("join", seconds=1.5)  # the first is free
            start = time.perf_counter()
            waited = self.cooldown("join", seconds=1.5)
            waits.append((start, time.perf_counter(), waited))

    environment = Environment(user_classes=[FeedUser], host=demo_url)
    timed = TimedEvents(environment)
    runner = environment.create_local_runner()
    runner.start(1, spawn_rate=10)
    try:
        with gevent.Timeout(10):
            while not waits:
                gevent.sleep(0.05)
    finally:
        runner.quit()
    start, end, waited = waits[0]
    assert 1.4 <= waited <= 1.5 and end - start >= 1.4
    assert timed.between(start, end, "ping") >= 4  # every 0.2 s while the task slept
    assert timed.between(start, end, "server push") >= 15  # 20/s kept arriving


def test_cooldown_in_a_handler_is_a_failure_entry_and_try_cooldown_limits_without_waiting(demo_url):
    accepted: list[float] = []

    class EchoUser(WebSocketUser):
        path = "/echo"
        ping_interval = 0
        wait_time = constant(0.02)

        @task
        def chatter(self):
            self.client.send({"text": "hi"})

        @on_message
        def blocking(self, message):
            self.cooldown("reply", seconds=1)

        @on_message
        def limited(self, message):
            if self.try_cooldown("reply-limited", seconds=0.5):
                accepted.append(time.perf_counter())

    environment = Environment(user_classes=[EchoUser], host=demo_url)
    log = EventLog(environment)
    runner = environment.create_local_runner()
    runner.start(1, spawn_rate=10)
    gevent.sleep(1.3)
    runner.quit()
    failures = log.failures("handler blocking")
    assert failures
    assert "may only be called from this user's tasks" in str(failures[0].exception)
    assert len(log.named("recv")) > 5  # the reader went on: the echoes kept arriving
    assert 1 <= len(accepted) <= 3  # at most one per 0.5 s in 1.3 s, though many messages came in
    assert all(later - earlier >= 0.5 for earlier, later in itertools.pairwise(accepted))
