"""SocketIOUser in a real Locust LocalRunner: REST login, namespaces, rooms, class-level handlers,
failures without tracebacks, and nothing left behind."""

from __future__ import annotations

import gc
import logging

import gevent
from locust import constant, task

from locust_ws import SocketIOUser, on

from ..test_user import live_greenlets, open_fds, run_users


class RoomUser(SocketIOUser):
    auto_connect = False  # we connect after the REST login, with the token as auth
    wait_time = constant(0.05)
    chats: list = []
    notes: list = []

    def on_start(self) -> None:
        token = self.http.post("/login", json={"username": "u"}, name="POST /login").json()["token"]
        self.client.connect(namespaces=["/", "/chat"], auth={"token": token})
        self.client.join("user-room", namespace="/chat")

    @on("chat", namespace="/chat")
    def chat(self, message: dict) -> None:
        self.chats.append(message["text"])

    @on("tick")
    @on("joined", namespace="/chat")
    def note(self, data: dict) -> None:
        self.notes.append(data)

    @task
    def talk(self) -> None:
        self.client.call("chat", {"text": "hi"}, room="user-room", namespace="/chat", stamp=True)

    @task
    def push(self) -> None:
        self.client.call("push", {"count": 1})


class BadAuthUser(SocketIOUser):
    auth = {"token": "wrong"}
    wait_time = constant(0.1)
    reconnect_base = 0.05

    @task
    def echo(self) -> None:
        self.client.call("echo", 1)


class RetryingBadAuthUser(BadAuthUser):
    retry_refused_namespaces = True


def test_user_logs_in_joins_handles_events_and_leaves_nothing_behind(demo_url):
    RoomUser.chats, RoomUser.notes = [], []
    gc.collect()
    greenlets_before, fds_before = live_greenlets(), open_fds()
    environment, log = run_users(RoomUser, demo_url, users=3, seconds=1.5)
    assert log.failures() == []
    for name in ("POST /login", "namespace /", "namespace /chat", "call join"):
        assert len(log.successes(name)) == 3, name
    assert log.successes("call chat") and log.successes("call push")
    assert log.successes("fanout") and log.successes("server push")
    assert len(log.successes("disconnect /")) == len(log.successes("disconnect /chat")) == 3
    assert environment.stats.get("call chat", "SIO").num_requests > 0
    assert "hi" in RoomUser.chats
    assert any("members" in note for note in RoomUser.notes)  # "joined" reached the stacked handler
    assert any("seq" in note for note in RoomUser.notes)  # and so did "tick"
    gevent.sleep(0.2)
    gc.collect()
    assert live_greenlets() <= greenlets_before + 2
    assert open_fds() <= fds_before + 2


def test_bad_auth_is_a_failure_entry_without_traceback_or_leak(demo_url, caplog):
    gc.collect()
    greenlets_before, fds_before = live_greenlets(), open_fds()
    with caplog.at_level(logging.ERROR):
        _, log = run_users(BadAuthUser, demo_url, users=3, seconds=2.0)
    connects = log.named("namespace /")
    # Once per user: a refusal is not retried (issue 13 defect 8; it used to be, forever).
    assert len(connects) == 3
    assert all(str(event.exception) == "namespace / refused: invalid token" for event in connects)
    calls = log.named("call echo")
    assert calls  # each paced by a second, not a failure per wait_time
    assert all(str(e.exception) == "not connected (namespace / refused: invalid token)" for e in calls)
    assert "Traceback" not in caplog.text
    gevent.sleep(0.2)
    gc.collect()
    assert live_greenlets() <= greenlets_before + 2
    assert open_fds() <= fds_before + 2


def test_a_user_class_can_ask_for_refusals_to_be_retried(demo_url):
    _, log = run_users(RetryingBadAuthUser, demo_url, users=1, seconds=1.0)
    connects = log.named("namespace /")
    assert len(connects) >= 3  # on_start, then the background reconnects
    assert all(str(event.exception) == "namespace / refused: invalid token" for event in connects)


class HeldSocketsUser(SocketIOUser):
    connections_per_user = 3
    wait_time = constant(3600)

    @task
    def hold(self) -> None:
        pass


def test_connections_per_user_holds_that_many_socketio_connections_each_reported(demo_url):
    _, log = run_users(HeldSocketsUser, demo_url, users=2, seconds=1.5)
    assert log.failures() == []
    assert len(log.successes("namespace /")) == 6
    assert len(log.successes("disconnect /")) == 6
