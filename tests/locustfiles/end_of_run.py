"""Test locustfile: request/reply users that are always mid-round-trip, so the end of the run
(``-t``, or ``--stop-timeout`` expiring) stops each of them with a request in flight, plus users
whose connection is down, reopening in the background, when the run ends. From the environment
(tests/test_end_of_run.py): ``DEMO_URL`` and ``ECHO_PATH`` (a delayed echo keeps a task running
longer), ``REQUESTS_PER_TASK``, and ``NOTHING_URL``, a port where nothing listens."""

import os

from locust import constant, task

from locust_ws import WebSocketUser


class EchoUser(WebSocketUser):
    host = os.environ["DEMO_URL"]
    path = os.environ.get("ECHO_PATH", "/echo")
    ping_interval = 0
    wait_time = constant(0)

    @task
    def echo(self):
        for _ in range(int(os.environ.get("REQUESTS_PER_TASK", "1"))):
            self.client.request({"op": "echo"}, name="echo", timeout=30)


class DownUser(WebSocketUser):
    """Its first connect is refused, so it spends the run reconnecting with backoff."""

    host = os.environ["NOTHING_URL"]
    fixed_count = 5
    path = "/echo"
    reconnect_base = 0.2
    reconnect_cap = 0.5
    wait_time = constant(1)

    @task
    def idle(self):
        pass
