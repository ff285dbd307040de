"""RealtimeUser.user_index in a real LocalRunner: unique, contiguous, assigned before on_start,
and freed indexes filled first when the run grows again."""

from __future__ import annotations

import gevent
import pytest
from locust import constant, task
from locust.env import Environment

from locust_ws import RoundRobin, WebSocketUser
from locust_ws.cluster.user_index import user_indexes

from ..support.demo import fetch_json


class IndexedUser(WebSocketUser):
    auto_connect = False
    wait_time = constant(0.1)
    seen_in_on_start: list[int] = []

    def on_start(self):
        self.seen_in_on_start.append(self.user_index)

    @task
    def idle(self):
        pass


def live_indexes(environment: Environment) -> list[int]:
    return sorted(greenlet.args[0].user_index for greenlet in environment.runner.user_greenlets)


def ramp(environment: Environment, users: int) -> None:
    environment.runner.start(users, spawn_rate=1000)
    with gevent.Timeout(10):
        while environment.runner.user_count != users or len(live_indexes(environment)) != users:
            gevent.sleep(0.05)


def test_indexes_are_zero_to_n_minus_one_before_on_start_and_refilled_after_a_ramp_down():
    IndexedUser.seen_in_on_start = []
    environment = Environment(user_classes=[IndexedUser], host="ws://127.0.0.1:1")
    environment.create_local_runner()
    try:
        ramp(environment, 12)
        assert sorted(IndexedUser.seen_in_on_start) == list(range(12))
        ramp(environment, 5)
        survivors = live_indexes(environment)
        assert len(set(survivors)) == 5 and set(survivors) <= set(range(12))
        ramp(environment, 12)
        assert live_indexes(environment) == list(range(12))
    finally:
        environment.runner.quit()
    assert len(user_indexes(environment.runner).pool) == 0  # every stopped user gave its index back


def test_round_robin_over_the_indexes_splits_users_evenly_on_the_server(demo_url, login):
    token = login()
    rooms = RoundRobin([f"index-test-{number}" for number in range(4)])

    class RoomUser(WebSocketUser):
        auto_connect = False
        wait_time = constant(1)

        def on_start(self):
            self.client.connect(f"/rooms/{rooms.pick(self.user_index)}", query={"token": token})

        @task
        def idle(self):
            pass

    environment = Environment(user_classes=[RoomUser], host=demo_url)
    environment.create_local_runner()
    try:
        ramp(environment, 12)
        stats = {}
        with gevent.Timeout(10):
            while sum(stats.get(room, 0) for room in rooms.resources) < 12:
                gevent.sleep(0.05)
                stats = _rooms(demo_url)
        assert {room: stats[room] for room in rooms.resources} == dict.fromkeys(rooms.resources, 3)
    finally:
        environment.runner.quit()


def test_user_index_before_the_user_runs_is_a_clear_error():
    with pytest.raises(RuntimeError, match="assigned when the user starts"):
        IndexedUser(Environment()).user_index  # noqa: B018 - the property access is what is tested


def _rooms(demo_url: str) -> dict[str, int]:
    return fetch_json(demo_url.replace("ws://", "http://") + "/stats")["rooms"]
