"""``connections_per_user``: one Locust user holding many connections, each one counted like any."""

from __future__ import annotations

import gc

import gevent
from locust import constant, task
from locust.env import Environment

from locust_ws import WebSocketUser, attach_metrics

from ..support.demo import demo_of_its_own, server_stats
from ..support.events import EventLog

USERS = 2
PER_USER = 50
HELD = USERS * PER_USER


class HoldingUser(WebSocketUser):
    path = "/echo"
    connections_per_user = PER_USER
    ping_interval = 0.5
    wait_time = constant(3600)

    @task
    def hold(self) -> None:
        pass


def live_greenlets() -> int:
    return sum(1 for obj in gc.get_objects() if isinstance(obj, gevent.Greenlet) and not obj.dead)


def wait_until(condition, seconds: float = 30.0) -> None:
    with gevent.Timeout(seconds):
        while not condition():
            gevent.sleep(0.05)


def test_users_hold_connections_per_user_each_reported_pinged_and_closed_like_any_other():
    with demo_of_its_own() as url:
        environment = Environment(user_classes=[HoldingUser], host=url)
        log = EventLog(environment)
        metrics = attach_metrics(environment)
        runner = environment.create_local_runner()
        before = live_greenlets()
        runner.start(USERS, spawn_rate=USERS)
        wait_until(lambda: server_stats(url)["open_connections"] == HELD)
        assert metrics.open_connections == HELD
        # Idle, they hold no reader greenlet each: the users' own, the heartbeat's and a few more.
        gevent.sleep(0.2)
        assert live_greenlets() - before < USERS + 10
        assert runner.user_count == USERS
        # Heartbeats on all of them: pings add up to two per connection (one every 0.5 s each).
        wait_until(lambda: len(log.successes("ping")) >= 2 * HELD)
        runner.quit()
        wait_until(lambda: server_stats(url)["open_connections"] == 0)

    assert len(log.successes("connect /echo")) == HELD
    closes = log.named("close /echo")
    assert len(closes) == HELD and not log.failures()
    assert metrics.open_connections == 0


def test_connections_per_user_must_be_at_least_one():
    class NoConnectionUser(HoldingUser):
        connections_per_user = 0

    problems = NoConnectionUser.attribute_problems()
    assert any("connections_per_user" in problem for problem in problems)
