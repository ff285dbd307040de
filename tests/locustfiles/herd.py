"""Test locustfile: every user opens one /echo connection and holds it."""

from locust import constant, task

from locust_ws import WebSocketUser


class HerdUser(WebSocketUser):
    path = "/echo"
    ping_interval = 0
    wait_time = constant(1)

    @task
    def idle(self):
        pass
