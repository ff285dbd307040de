"""The steady load of ``benchmarks/soak.py``: WebSocket round trips and Socket.IO acked calls with
heartbeats, and every user dropping and reopening its connection now and then, so that handshakes,
closes, reader and heartbeat greenlets come and go for the whole soak."""

from locust import constant_pacing, task

from locust_ws import SocketIOUser, WebSocketUser


class SoakEchoUser(WebSocketUser):
    weight = 4
    path = "/echo"
    ping_interval = 5.0
    wait_time = constant_pacing(0.5)

    @task(40)
    def echo(self) -> None:
        self.client.request({"op": "echo", "text": "soak"}, name="echo")

    @task(1)
    def reopen(self) -> None:
        """About every 20 s: a new handshake, a close, a new reader and heartbeat."""
        self.client.close()
        self.client.connect(self.path)


class SoakSocketIOUser(SocketIOUser):
    weight = 1
    wait_time = constant_pacing(0.5)

    @task(40)
    def call(self) -> None:
        self.client.call("echo", {"text": "soak"})

    @task(1)
    def reopen(self) -> None:
        self.client.close()
        self.client.connect()
