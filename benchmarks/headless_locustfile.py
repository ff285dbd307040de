"""The locustfile of the benchmark's real Locust runs: ``benchmarks/run.py`` starts
``locust -f benchmarks/headless_locustfile.py --headless <UserClass>`` as a user would, one process
pinned to its own core, and reads the rates from the counting server, not from Locust.

Each class is one scenario, written the way docs/writing-locustfiles.md tells users to write it;
the host comes from ``--host``.
"""

from __future__ import annotations

import os

from locust import User, constant, task
from payloads import CONNECTIONS_PER_USER, MESSAGE, SIO_MESSAGE

from locust_ws import SocketIOUser, WebSocketUser

HOLD_S = 3600
"""An idle user's wait between tasks: longer than any run, so it only holds its connection."""


class EchoUser(WebSocketUser):
    """Closed loop: one 64-byte JSON request, wait for the reply carrying its id, again."""

    path = "/echo"
    wait_time = constant(0)

    @task
    def echo(self) -> None:
        self.client.request(MESSAGE, name="echo")


class HandshakeUser(WebSocketUser):
    """Handshake churn: connect, close, again (both timed and reported)."""

    path = "/echo"
    auto_connect = False
    wait_time = constant(0)

    @task
    def churn(self) -> None:
        self.client.connect(self.path)
        self.client.close()


class IdleUser(WebSocketUser):
    """One held connection per user with the default heartbeat, and nothing else."""

    path = "/echo"
    wait_time = constant(HOLD_S)

    @task
    def hold(self) -> None:
        pass


class ManyIdleUser(IdleUser):
    """``CONNECTIONS_PER_USER`` held connections per user, each with the default heartbeat."""

    connections_per_user = CONNECTIONS_PER_USER


class SpreadIdleUser(ManyIdleUser):
    """``ManyIdleUser`` with a ping every 5 s, spread round-robin over the servers in
    ``BENCH_URLS`` (comma-separated): one server process cannot take 20,000 connections on a
    machine whose open-files limit is 20,000."""

    ping_interval = 5.0

    def on_start(self) -> None:
        urls = os.environ["BENCH_URLS"].split(",")
        self.path = f"{urls[self.user_index % len(urls)]}/echo"
        super().on_start()


class PlainIdleUser(User):
    """The reference: a plain Locust user with no socket, to tell Locust's cost per user from ours."""

    wait_time = constant(HOLD_S)

    @task
    def hold(self) -> None:
        pass


class CallUser(SocketIOUser):
    """Socket.IO closed loop: ``call("echo")`` and wait for its ack, again."""

    wait_time = constant(0)

    @task
    def echo(self) -> None:
        self.client.call("echo", SIO_MESSAGE, name="echo")
