"""Test locustfile: four WebSocket and two Socket.IO users doing round trips, reconnecting fast,
for the test that kills the server mid-run (tests/test_reliability_server.py)."""

from locust import constant, task

from locust_ws import SocketIOUser, WebSocketUser


class EchoUser(WebSocketUser):
    fixed_count = 4
    path = "/echo"
    ping_interval = 1.0
    pong_timeout = 1.0
    connect_timeout = 2.0
    reconnect_base = 0.3
    reconnect_cap = 1.0
    wait_time = constant(0.2)

    @task
    def echo(self):
        self.client.request({"op": "echo"}, name="echo")


class CallUser(SocketIOUser):
    fixed_count = 2
    connect_timeout = 2.0
    reconnect_base = 0.3
    reconnect_cap = 1.0
    wait_time = constant(0.2)

    @task
    def call(self):
        self.client.call("echo", {"n": 1})
