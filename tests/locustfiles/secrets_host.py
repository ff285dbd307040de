"""Test locustfile: users that take everything from ``--host``, which carries the tokens in its
query string (tests/test_secrets.py starts it with the web UI and fetches its pages while it runs).
Each user makes a round trip, a failing one, and a REST call that fails, so every stats page,
failure table and report has rows."""

from locust import constant, task

from locust_ws import WebSocketUser


class HostTokenUser(WebSocketUser):
    path = ""  # the host's own path and query: /echo?...&token=...
    ping_interval = 0.5
    wait_time = constant(0.2)

    @task
    def echo(self):
        self.client.request({"op": "echo"}, name="echo")
        with self.client.request({"op": "echo"}, name="judged", catch_response=True) as reply:
            reply.failure("judged a failure")
        self.http.get("/missing")
