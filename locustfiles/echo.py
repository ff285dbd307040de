"""Request/reply round trips against the demo server's /echo endpoint.

    locust -f locustfiles/echo.py --headless -u 50 -r 25 -t 20s

With no --host the embedded demo server starts by itself. Against your own server, pass
--host ws://your-server:port and set ``path`` to an endpoint that answers each JSON message with a
reply carrying the same "id".
"""

from locust import constant_pacing, task

from locust_ws import WebSocketUser


class EchoUser(WebSocketUser):
    path = "/echo"
    wait_time = constant_pacing(0.1)

    @task
    def echo(self) -> None:
        # The session adds a unique "id" and waits for the reply that carries it back.
        self.client.request({"op": "echo", "text": "hello"}, name="echo")
