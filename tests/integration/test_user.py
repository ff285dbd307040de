"""WebSocketUser in a real Locust LocalRunner: lifecycle, REST login, handlers, and cleanup."""

from __future__ import annotations

import gc
import logging
import os

import gevent
from locust import constant, task
from locust.env import Environment

from locust_ws import WebSocketUser, on_message

from ..support.events import EventLog


def live_greenlets() -> int:
    return sum(1 for obj in gc.get_objects() if isinstance(obj, gevent.Greenlet) and not obj.dead)


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def run_users(user_class: type, host: str, users: int, seconds: float) -> tuple[Environment, EventLog]:
    environment = Environment(user_classes=[user_class], host=host)
    log = EventLog(environment)
    runner = environment.create_local_runner()
    runner.start(users, spawn_rate=users * 10)
    gevent.sleep(seconds)
    runner.quit()
    return environment, log


class EchoUser(WebSocketUser):
    path = "/echo"
    ping_interval = 0.2
    wait_time = constant(0.05)

    @task
    def echo(self):
        self.client.request({"op": "echo"}, name="echo")


class RefusedUser(WebSocketUser):
    path = "/status/503"
    wait_time = constant(0.2)

    @task
    def echo(self):
        self.client.request({"op": "echo"}, name="echo")


class LoginUser(WebSocketUser):
    auto_connect = False
    wait_time = constant(0.05)
    received: list = []

    def on_start(self):
        token = self.http.post("/login", json={"username": "u"}, name="POST /login").json()["token"]
        self.client.connect("/rooms/user-test", headers={"Authorization": f"Bearer {token}"})

    @on_message
    def remember(self, message):
        self.received.append(message)

    @task
    def chat(self):
        self.client.send({"text": "hi"}, stamp=True)


def test_user_connects_on_start_runs_tasks_and_leaves_nothing_behind(demo_url):
    gc.collect()
    greenlets_before, fds_before = live_greenlets(), open_fds()
    _, log = run_users(EchoUser, demo_url, users=10, seconds=1.0)
    assert len(log.successes("connect /echo")) == 10
    assert len(log.successes("echo")) > 50
    assert log.failures() == []
    assert len(log.successes("close /echo")) == 10  # every user closed cleanly on stop
    assert log.successes("ping")
    gevent.sleep(0.2)
    gc.collect()
    assert live_greenlets() <= greenlets_before + 2
    assert open_fds() <= fds_before + 2


def test_failed_on_start_is_a_failure_entry_without_traceback_or_leak(demo_url, caplog):
    gc.collect()
    greenlets_before, fds_before = live_greenlets(), open_fds()
    with caplog.at_level(logging.ERROR):
        _, log = run_users(RefusedUser, demo_url, users=5, seconds=0.7)
    connects = log.named("connect /status/503")
    # on_start failed for each user, then the background reconnects tried again (first wait < 0.5 s)
    assert len(connects) >= 10
    assert all("HTTP 503" in str(event.exception) for event in connects)
    # tasks waited for the reconnect instead of sending into nothing or failing in a loop
    assert len(log.named("echo")) <= 5
    assert all(str(event.exception) == "not connected (reconnecting)" for event in log.named("echo"))
    assert "Traceback" not in caplog.text
    gevent.sleep(0.2)
    gc.collect()
    assert live_greenlets() <= greenlets_before + 2
    assert open_fds() <= fds_before + 2


def test_rest_login_then_socket_with_token_in_the_same_stats(demo_url):
    LoginUser.received = []
    environment, log = run_users(LoginUser, demo_url, users=3, seconds=0.8)
    assert len(log.successes("POST /login")) == 3
    assert len(log.successes("connect /rooms/user-test")) == 3
    assert log.successes("fanout")
    assert log.failures() == []
    assert any(isinstance(m, dict) and m.get("text") == "hi" for m in LoginUser.received)
    stats = environment.stats
    assert stats.get("POST /login", "POST").num_requests == 3
    assert stats.get("fanout", "WS").avg_response_time > 0
