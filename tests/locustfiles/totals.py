"""Test locustfile: users that make round trips (one ``echo`` row each, its reply included) and
send frames the demo's ``/echo`` sends back as they are: a plain one (a ``recv``), one stamped as
the server would (``server_ts``: a ``server push``) and one stamped by another client and the
server (a ``fanout`` carrying a push latency), so tests/system/test_locust_totals.py can hold
Locust's Aggregated count to the demo server's own message counters. From the environment:
``DEMO_URL``."""

import os

from locust import constant, task

from locust_ws import WebSocketUser
from locust_ws.protocol.messages import wall_ms


class TalkingUser(WebSocketUser):
    host = os.environ["DEMO_URL"]
    path = "/echo"
    ping_interval = 0
    wait_time = constant(0.02)

    @task
    def talk(self):
        self.client.request({"op": "echo"}, name="echo", timeout=10)
        self.client.send({"op": "note"})
        self.client.send({"op": "note", "server_ts": wall_ms()})
        self.client.send(
            {"op": "note", "client_ts": wall_ms(), "sender": "another client", "server_ts": wall_ms()}
        )
