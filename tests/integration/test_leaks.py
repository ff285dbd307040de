"""Nothing leaks and nothing is lost.

- 1,000 users connect, exchange messages and disconnect, including refused handshakes, handshakes
  nobody answers and replies that time out: afterwards the process holds the same open files and
  live greenlets as before, within a small constant.
- 500 concurrent users in echo runs: every frame sent is one the server received, and every one is
  either a reply received or a reply reported as timed out (then counted as a late reply).
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections import Counter

import gevent
import pytest
from gevent.pool import Pool
from locust import constant, task
from locust.env import Environment
from locust.exception import StopUser

from locust_ws import ReplyTimeout, WebSocketError, WebSocketSession, WebSocketUser, attach_metrics
from locust_ws.demo import start_demo_process, stop_demo_process

from ..support.demo import fetch_json
from ..support.events import EventLog
from ..support.faulty_server import silent_port
from ..support.locust_cluster import free_port


def live_greenlets() -> int:
    return sum(1 for obj in gc.get_objects() if isinstance(obj, gevent.Greenlet) and not obj.dead)


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


class ShortLivedUser(WebSocketUser):
    """Connects, does a few round trips (or times out), and stops by itself."""

    abstract = True
    path = "/echo"
    ping_interval = 0.05  # heartbeats run too
    connect_timeout = 0.3
    reconnect_base = 0.05
    wait_time = constant(0)
    timeout = 2.0
    round_trips = 3

    @task
    def exchange(self):
        with contextlib.suppress(WebSocketError):  # not connected: already a failure entry
            for number in range(self.round_trips):
                self.client.request({"n": number}, name="echo", timeout=self.timeout)
        raise StopUser()


class EchoUser(ShortLivedUser):
    pass


class SlowReplyUser(ShortLivedUser):
    path = "/echo?delay_ms=150"
    timeout = 0.05  # every reply times out, and may still arrive while the user stops


class RefusedUser(ShortLivedUser):
    """Reconnects in the background after the refused on_start until the user stops."""


class UnansweredUser(ShortLivedUser):
    """Its handshake times out after connect_timeout."""


def user_classes(demo_url: str, refused_host: str, silent_host: str) -> list[tuple[type, str]]:
    return [
        (EchoUser, demo_url),
        (SlowReplyUser, demo_url),
        (RefusedUser, refused_host),
        (UnansweredUser, silent_host),
    ]


def run_users(
    environment: Environment, classes: list[tuple[type, str]], users: int, concurrency: int
) -> Counter[type]:
    """``users`` users, cycling through ``classes`` (8 echo users for every other kind), at most
    ``concurrency`` at a time; returns when all have stopped, with how many of each class ran."""
    pool = Pool(concurrency)
    weights = [classes[0]] * 7 + classes
    started: Counter[type] = Counter()
    for number in range(users):
        user_class, host = weights[number % len(weights)]
        user = user_class(environment)
        user.host = host
        user.client.base_url = host
        user.start(pool)
        started[user_class] += 1
    with gevent.Timeout(60):
        pool.join()
    return started


@pytest.fixture
def silent_host():
    with silent_port() as url:
        yield url


def test_a_thousand_users_leave_no_file_descriptor_or_greenlet_behind(demo_url, silent_host):
    environment = Environment(host=demo_url)
    log = EventLog(environment)
    classes = user_classes(demo_url, f"ws://127.0.0.1:{free_port()}", silent_host)
    run_users(environment, classes, users=44, concurrency=44)  # warm-up: lazy imports, resolver
    gevent.sleep(0.3)
    gc.collect()
    fds_before, greenlets_before = open_fds(), live_greenlets()
    log.events.clear()

    started = run_users(environment, classes, users=1000, concurrency=250)
    gevent.sleep(0.5)  # the server's side of the last closes
    gc.collect()

    assert open_fds() <= fds_before + 3
    assert live_greenlets() <= greenlets_before + 3
    # It was the mix it claims to be: every kind of ending happened, and every open connection
    # was closed exactly once.
    assert sum(started.values()) == 1000 and min(started.values()) >= 90
    connected = started[EchoUser] + started[SlowReplyUser]
    assert len(log.successes("connect /echo")) == connected
    assert len(log.named("close /echo")) == connected
    assert len(log.successes("echo")) == 3 * started[EchoUser]
    assert len(log.failures("echo")) >= 3 * started[SlowReplyUser]  # timeouts, then not connected
    failures = {str(event.exception) for event in log.failures()}
    assert {
        "connection refused (nothing listening?)",
        "handshake timed out after 0.3 s (no HTTP response)",
    } <= failures
    assert "no reply within 0.05 s" in failures


@pytest.fixture(scope="module")
def counting_demo():
    """A demo server of this module alone, so its counters see no other test's frames."""
    process, url = start_demo_process()
    yield url
    stop_demo_process(process)


def test_no_frame_goes_uncounted_under_five_hundred_concurrent_users(counting_demo):
    http = counting_demo.replace("ws://", "http://")
    fetch_json(f"{http}/stats/reset", "POST")
    environment = Environment(host=counting_demo)
    log = EventLog(environment)
    metrics = attach_metrics(environment)
    per_user = 4
    sessions = [
        WebSocketSession(counting_demo, environment.events.request, ping_interval=0) for _ in range(500)
    ]

    def exchange(number: int, session: WebSocketSession) -> None:
        slow = number % 5 == 0  # a fifth of the users get replies later than they wait
        session.connect("/echo?delay_ms=120" if slow else "/echo")
        for sequence in range(per_user):
            session.request({"n": sequence}, name="echo", timeout=0.05 if slow else 10.0)

    with gevent.Timeout(60):
        gevent.joinall([gevent.spawn(exchange, n, s) for n, s in enumerate(sessions)], raise_error=True)
        timed_out = len(log.failures("echo"))
        while sum(session.late_replies for session in sessions) < timed_out:
            gevent.sleep(0.05)  # the late replies are still on their way
    for session in sessions:
        session.close()

    sent = sum(session.messages_out for session in sessions)
    received = sum(session.messages_in for session in sessions)
    server = fetch_json(f"{http}/stats")
    replies = len(log.successes("echo"))
    late = sum(session.late_replies for session in sessions)
    assert sent == 500 * per_user
    assert server["messages_in"] == sent
    assert server["messages_out"] == received == sent
    assert replies + timed_out == sent
    assert timed_out == late == 100 * per_user
    assert all(isinstance(event.exception, ReplyTimeout) for event in log.failures("echo"))
    # The metrics behind reports and thresholds count the same frames.
    assert metrics.messages_out == sent
    assert metrics.messages_in == received
    assert metrics.late_replies == late


class ChurningUser(WebSocketUser):
    """Opens and closes a session of its own ``cycles`` times and drops each, then closes and
    reopens one it keeps; records how many of its sessions are still alive after the churn."""

    abstract = True
    path = "/echo"
    ping_interval = 5.0  # each session's heartbeat is scheduled (and cancelled at its close)
    wait_time = constant(0)
    cycles = 300
    alive_after_churn: list[int] = []

    @task
    def churn(self):
        for number in range(self.cycles):
            session = self.new_session()
            session.connect("/echo")
            session.request({"n": number}, name="echo")
            session.close()
        del session
        gc.collect()
        mine = [obj for obj in gc.get_objects() if isinstance(obj, WebSocketSession) and obj.user is self]
        type(self).alive_after_churn.append(len(mine))
        self.kept = self.new_session()
        self.kept.connect("/echo")
        self.kept.close()
        self.kept.request({"n": "again"}, name="echo")  # reopens the session it closed
        raise StopUser()


def test_sessions_a_user_closed_and_dropped_are_released_and_held_ones_closed_at_stop(demo_url):
    environment = Environment(host=demo_url)
    log = EventLog(environment)
    ChurningUser.alive_after_churn = []
    user = ChurningUser(environment)
    user.host = user.client.base_url = demo_url
    pool = Pool(1)
    user.start(pool)
    with gevent.Timeout(60):
        pool.join()
    # Only self.client (and no churned session) was alive: not one per cycle until the user stops.
    assert ChurningUser.alive_after_churn == [1]
    assert len(log.successes("echo")) == ChurningUser.cycles + 1
    # The kept session, reopened after its close, was closed again when the user stopped, as
    # self.client was: every connect has its close.
    assert len(log.successes("connect /echo")) == ChurningUser.cycles + 3
    assert len(log.successes("close /echo")) == ChurningUser.cycles + 3
    assert not user.kept.connected and not user.client.connected
