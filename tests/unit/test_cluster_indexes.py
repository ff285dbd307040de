"""The index protocol between a master and its workers (request, grant, release), with Locust's
message transport replaced by an in-memory queue so that each race can be staged step by step.
The real transport is covered by test_distributed.py."""

from __future__ import annotations

from collections import deque
from typing import Any

import gevent
import pytest
from locust import constant, task
from locust.env import Environment
from locust.rpc import Message

from locust_ws import WebSocketUser
from locust_ws.cluster.user_index import _ATTRIBUTE, MasterIndexes, WorkerIndexes


class Bus:
    """Holds messages until ``deliver`` runs, as a network would between two processes."""

    def __init__(self) -> None:
        self.queue: deque[tuple[Any, Message]] = deque()

    def deliver(self) -> None:
        while self.queue:
            node, msg = self.queue.popleft()
            node.handlers[msg.type](environment=None, msg=msg)


class Node:
    def __init__(self, bus: Bus) -> None:
        self.bus = bus
        self.handlers: dict[str, Any] = {}

    def register_message(self, msg_type: str, listener: Any) -> None:
        self.handlers[msg_type] = listener


class FakeMaster(Node):
    def __init__(self, bus: Bus) -> None:
        super().__init__(bus)
        self.clients: dict[str, FakeWorker] = {}

    @property
    def worker_count(self) -> int:
        return len(self.clients)

    def send_message(self, msg_type: str, data: Any, client_id: str) -> None:
        self.bus.queue.append((self.clients[client_id], Message(msg_type, data, "master")))


class FakeWorker(Node):
    def __init__(self, bus: Bus, master: FakeMaster, name: str) -> None:
        super().__init__(bus)
        self.master, self.name = master, name
        master.clients[name] = self

    def send_message(self, msg_type: str, data: Any) -> None:
        self.bus.queue.append((self.master, Message(msg_type, data, self.name)))


@pytest.fixture
def cluster():
    bus = Bus()
    master = FakeMaster(bus)
    workers = [FakeWorker(bus, master, name) for name in ("w1", "w2")]
    return bus, MasterIndexes(master), [WorkerIndexes(worker) for worker in workers]


def acquire(indexes: WorkerIndexes, bus: Bus) -> int:
    user = gevent.spawn(indexes.acquire, 5.0)
    gevent.sleep(0)  # the request leaves
    bus.deliver()
    return user.get(timeout=1)


def test_workers_get_unique_indexes_and_learn_the_worker_count(cluster):
    bus, master, (w1, w2) = cluster
    assert [acquire(w1, bus), acquire(w2, bus), acquire(w1, bus), acquire(w2, bus)] == [0, 1, 2, 3]
    assert w1.workers == w2.workers == 2
    assert master.pool.held() == [0, 1, 2, 3]


def test_a_released_index_goes_to_the_next_user_of_any_worker(cluster):
    bus, _, (w1, w2) = cluster
    for indexes in (w1, w2, w1):
        acquire(indexes, bus)
    w1.release(0)
    bus.deliver()
    assert acquire(w2, bus) == 0


def test_a_grant_for_a_user_stopped_while_waiting_is_given_back(cluster):
    bus, master, (w1, _) = cluster
    user = gevent.spawn(w1.acquire, 5.0)
    gevent.sleep(0)
    user.kill()  # a ramp-down stops the user before the master answered
    bus.deliver()  # request -> grant -> the worker releases it at once
    bus.deliver()
    assert master.pool.held() == []


def test_a_worker_that_leaves_frees_its_indexes_on_the_next_request(cluster):
    bus, master, (w1, w2) = cluster
    for indexes in (w1, w2, w1, w2):
        acquire(indexes, bus)
    del master.runner.clients["w1"]  # quit, or missing past the heartbeat deadline
    assert acquire(w2, bus) == 0
    assert master.pool.held() == [0, 1, 3]


def test_no_answer_from_the_master_is_a_timeout_not_a_hang(cluster):
    _, _, (w1, _) = cluster
    with pytest.raises(gevent.Timeout):
        w1.acquire(timeout=0.1)  # nobody delivers the request


def test_a_user_that_gets_no_index_stops_with_one_clear_log_line(caplog):
    started: list[int] = []

    class Orphan(WebSocketUser):
        auto_connect = False
        user_index_timeout = 0.2
        wait_time = constant(1)

        def on_start(self):
            started.append(self.user_index)

        @task
        def idle(self):
            pass

    environment = Environment(user_classes=[Orphan], host="ws://127.0.0.1:1")
    runner = environment.create_local_runner()
    bus = Bus()
    setattr(runner, _ATTRIBUTE, WorkerIndexes(FakeWorker(bus, FakeMaster(bus), "w1")))  # never answered
    runner.start(3, spawn_rate=100)
    gevent.sleep(0.6)
    assert runner.user_count == 0  # all three stopped instead of running with a colliding index
    runner.quit()
    assert started == []
    assert caplog.text.count("got no user_index from the master within 0.2 s") == 1
    assert "Traceback" not in caplog.text
