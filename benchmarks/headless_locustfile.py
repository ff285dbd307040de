"""The locustfile of the benchmark's real Locust runs: ``benchmarks/run.py`` starts
``locust -f benchmarks/headless_locustfile.py --headless <UserClass>`` as a user would, one process
pinned to its own core, and reads the rates from the counting server, not from Locust.

Each class is one scenario, written the way the README tells users to write it; the host comes
from ``--host``.
"""

from __future__ import annotations

from locust import User, constant, task
from payloads import MESSAGE, SIO_MESSAGE

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
