"""Test locustfile: one user per way a token travels (query string, Authorization header, Socket.IO
auth) and per way it could leak back out (a refused or impossible handshake, a server echoing it in
its close reason or refusal, a redirect to a URL carrying it, a handler or catch_response message
quoting a message that holds it). Servers and token come from the environment (tests/test_secrets.py).
The users a short token could leak through have a twin carrying a 6-character token instead."""

import os

from locust import constant, task

from locust_ws import SocketIOUser, WebSocketUser, on_message

TOKEN = os.environ["SECRET_TOKEN"]
SHORT_TOKEN = os.environ["SHORT_TOKEN"]
DEMO = os.environ["DEMO_URL"]
FAULTY = os.environ["FAULTY_URL"]
SIO_ECHO = os.environ["SIO_ECHO_URL"]
NOTHING = os.environ["NOTHING_URL"]
BEARER = {"Authorization": f"Bearer {TOKEN}"}


class SecretUser(WebSocketUser):
    abstract = True
    fixed_count = 1
    host = DEMO
    auto_connect = False
    ping_interval = 0.5
    reconnect_base = 0.2
    reconnect_cap = 0.5
    connect_timeout = 2
    wait_time = constant(0.2)


class QueryTokenUser(SecretUser):
    """Succeeds with the token in the query string; the echoed token makes a handler raise and a
    catch_response failure quote it."""

    token = TOKEN

    def on_start(self):
        self.client.connect("/echo", query={"token": self.token})

    @on_message
    def complain(self, message):
        if isinstance(message, dict) and "leak" in message:
            raise ValueError(f"did not expect {message}")

    @task
    def echo(self):
        self.client.request({"op": "echo"}, name="echo")
        self.client.send({"leak": self.token}, name="send leak")
        with self.client.request({"token": self.token}, name="judged", catch_response=True) as reply:
            reply.failure(f"server echoed token {reply.data['token']}")


class ShortQueryTokenUser(QueryTokenUser):
    token = SHORT_TOKEN


class HeaderTokenUser(SecretUser):
    """The token in the Authorization header; a catch_response failure quotes the echoed token."""

    token = TOKEN

    def on_start(self):
        self.client.connect("/echo", headers={"Authorization": f"Bearer {self.token}"})

    @task
    def echo(self):
        self.client.request({"op": "echo"}, name="echo")
        with self.client.request({"bearer": self.token}, name="judged", catch_response=True) as reply:
            reply.failure(f"server echoed token {reply.data['bearer']}")


class ShortHeaderTokenUser(HeaderTokenUser):
    token = SHORT_TOKEN


class RefusedTokenUser(SecretUser):
    """401: the demo does not know this token."""

    @task
    def join(self):
        self.client.connect("/rooms/vault", query={"token": TOKEN}, headers=BEARER)


class NothingListeningUser(SecretUser):
    host = NOTHING

    @task
    def connect(self):
        self.client.connect("/echo", query={"access_token": TOKEN}, headers=BEARER)


class EchoedCloseReasonUser(SecretUser):
    """The server closes with 4001 and a reason quoting the token."""

    @task
    def connect(self):
        self.client.connect("/close", query={"code": 4001, "reason": f"bad token {TOKEN}"})


class RedirectUser(SecretUser):
    """A 302 whose Location carries the token, to a scheme websocket-client refuses to follow."""

    host = FAULTY

    @task
    def connect(self):
        target = f"{DEMO.replace('ws://', 'http://')}/echo?token={TOKEN}"
        self.client.connect("/redirect", query={"to": target, "token": TOKEN})


class HttpTokenUser(SecretUser):
    """``self.http`` with the token in the query string and the Authorization header: a success,
    a 404 (requests quotes the URL), a catch_response failure quoting the token, and a host where
    nothing listens (requests quotes the URL again). At DEBUG, urllib3 logs every request line."""

    token = TOKEN

    @task
    def rest(self):
        bearer = {"Authorization": f"Bearer {self.token}"}
        self.http.get(f"/stats?token={self.token}", headers=bearer)
        self.http.get(f"/missing?token={self.token}", headers=bearer)
        with self.http.get("/stats", headers=bearer, catch_response=True) as response:
            response.failure(f"sent {response.request.headers['Authorization']}")
        with self.http.get("/stats", headers=bearer, catch_response=True) as response:
            response.failure(f"token {self.token} refused")
        self.http.get(f"{NOTHING.replace('ws://', 'http://')}/down?token={self.token}", timeout=2)


class ShortHttpTokenUser(HttpTokenUser):
    token = SHORT_TOKEN


class SecretSocketIOUser(SocketIOUser):
    abstract = True
    fixed_count = 1
    host = DEMO
    auth: dict = {"token": TOKEN}
    reconnect_base = 0.2
    reconnect_cap = 0.5
    connect_timeout = 2
    wait_time = constant(0.2)

    @task
    def call(self):
        self.client.call("echo", {"n": 1})


class SocketIOAuthUser(SecretSocketIOUser):
    """The demo refuses the unknown token (``invalid token``)."""


class SocketIOEchoedAuthUser(SecretSocketIOUser):
    """A server whose refusal quotes the token."""

    host = SIO_ECHO


class ShortSocketIOEchoedAuthUser(SocketIOEchoedAuthUser):
    auth = {"token": SHORT_TOKEN}


class SocketIOPollingUser(SecretSocketIOUser):
    """Long-polling over TLS to the plain-HTTP demo: requests' SSL error quotes the URL with the query."""

    host = DEMO.replace("ws://", "https://")
    transports = ("polling",)
    auto_connect = False

    def on_start(self):
        self.client.connect(query={"token": TOKEN}, transports=self.transports)
