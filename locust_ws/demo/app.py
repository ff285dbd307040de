"""The WSGI application: HTTP control endpoints plus dispatch of accepted WebSockets.

The Socket.IO server is mounted in front of this app by `server.py` (socketio.WSGIApp), so every
path other than /socket.io/ arrives here.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import CollectorRegistry, Gauge, ProcessCollector, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from .auth import TokenStore
from .connection import Connection, IdlePolicy
from .handler import CLOSE_RECEIVED_KEY, CLOSE_SENT_KEY, DemoHandler
from .outbox import SlowConsumerPolicy
from .rooms import Rooms
from .routes import Endpoint, Refusal, Router, is_ws_path, status_line, status_refusal
from .socketio_app import SocketIODemo, SocketIOSettings
from .stats import DemoStats

ROUTE_KEY = "locust_ws.route"
SOCKETIO_PATH = "/socket.io/"
MAX_LOGIN_BODY = 64 * 1024

StartResponse = Callable[..., Any]


class DemoApp:
    """Owns the server state (stats, tokens, rooms, open connections) and serves requests.

    ``max_connections`` refuses upgrades beyond that many open WebSockets with 503 (a server at
    capacity, for breakpoint runs); ``leak_connections`` keeps an open file descriptor for every
    closed connection, on purpose, so the leak verdict of ``--ws-server-metrics`` has a leak to find."""

    def __init__(
        self,
        feed_rate: float,
        socketio_settings: SocketIOSettings | None = None,
        idle: IdlePolicy | None = None,
        slow_consumer: SlowConsumerPolicy | None = None,
        *,
        max_connections: int | None = None,
        leak_connections: bool = False,
    ) -> None:
        self.stats = DemoStats()
        self.idle = idle or IdlePolicy()
        self.max_connections = max_connections
        self.leak_connections = leak_connections
        self.leaked_fds: list[int] = []
        self.tokens = TokenStore()
        self.rooms = Rooms()
        self.socketio = SocketIODemo(self.tokens, socketio_settings)
        self.connections: set[Connection] = set()
        self.tcp_clients: Counter[str] = Counter()
        """Accepted TCP connections per client IP (``DemoHandler`` counts them), whatever they
        carry: how a test sees that source addresses were used."""
        self.router = Router(self.tokens, self.rooms, feed_rate, slow_consumer)
        self._http_routes: dict[tuple[str, str], Callable[[dict], tuple[int, dict]]] = {
            ("POST", "/login"): self._login,
            ("GET", "/stats"): lambda _environ: (200, self.snapshot()),
            ("POST", "/stats/reset"): self._reset,
            ("POST", "/admin/drop"): self._drop,
        }
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        Gauge(
            "demo_open_connections", "Open plain WebSocket connections", registry=self.registry
        ).set_function(lambda: len(self.connections))
        Gauge(
            "demo_leaked_fds", "Descriptors kept by --leak-connections", registry=self.registry
        ).set_function(lambda: len(self.leaked_fds))

    # -- handshake ---------------------------------------------------------------------------

    def pre_start_hook(self, handler: DemoHandler) -> bool:
        """gevent-websocket's hook, run before it answers 101: True means "serve as plain HTTP".

        Upgrade requests are resolved here so a refusal is an ordinary HTTP response; the result is
        kept in the environ so the app does not resolve the route twice.
        """
        environ = handler.environ
        if environ.get("HTTP_UPGRADE", "").lower() != "websocket":
            return True
        if environ.get("PATH_INFO", "").startswith(SOCKETIO_PATH):
            return False
        route = self.router.resolve(environ)
        if self.max_connections is not None and len(self.connections) >= self.max_connections:
            route = Refusal(503, f"at capacity: {self.max_connections} connections\n")
        environ[ROUTE_KEY] = route
        if isinstance(route, Refusal):
            self.stats.handshakes_refused += 1
            return True
        return False

    # -- WSGI --------------------------------------------------------------------------------

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        ws = environ.get("wsgi.websocket")
        route = environ.get(ROUTE_KEY)
        if ws is not None and route is not None and not isinstance(route, Refusal):
            self._serve_websocket(environ, Connection(ws, self.stats, self.idle), route)
            return []
        if isinstance(route, Refusal):
            return _respond(start_response, route.status_line, route.body)
        return self._serve_http(environ, start_response)

    def _serve_websocket(self, environ: dict, conn: Connection, endpoint: Endpoint) -> None:
        self.stats.record_handshake()
        self.connections.add(conn)
        try:
            endpoint(conn)
        finally:
            self.connections.discard(conn)
            conn.ws.close()  # no-op if the endpoint or the client already closed
            if self.leak_connections:
                self.leaked_fds.append(os.open(os.devnull, os.O_RDONLY))
            self._count_close(environ)

    def _count_close(self, environ: dict) -> None:
        sent = environ.get(CLOSE_SENT_KEY)
        if sent is not None:
            self.stats.close_codes_sent[sent] += 1
        received = environ.get(CLOSE_RECEIVED_KEY)
        if received is None:
            self.stats.abrupt_disconnects += 1
        else:
            self.stats.close_codes_received[received] += 1

    def _serve_http(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")
        if path.startswith("/status/"):
            refusal = status_refusal(path)
            return _respond(start_response, refusal.status_line, refusal.body)
        if is_ws_path(path):
            return _respond(
                start_response,
                "426 Upgrade Required",
                "this is a WebSocket endpoint: send an Upgrade: websocket handshake\n",
                [("Upgrade", "websocket")],
            )
        if (method, path) == ("GET", "/metrics"):
            exposition = generate_latest(self.registry).decode()
            return _respond(start_response, "200 OK", exposition, content_type=CONTENT_TYPE_LATEST)
        handler = self._http_routes.get((method, path))
        if handler is not None:
            status, payload = handler(environ)
            return _respond_json(start_response, status, payload)
        if any(known_path == path for _, known_path in self._http_routes):
            return _respond(start_response, "405 Method Not Allowed", f"{method} not allowed here\n")
        return _respond(start_response, "404 Not Found", "not found\n")

    # -- HTTP endpoints ----------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Everything `/stats` reports."""
        stats = self.stats.snapshot()
        stats["open_connections"] = len(self.connections)
        stats["rooms"] = self.rooms.sizes()
        stats["socketio"] = self.socketio.stats()
        stats["tcp_connections_by_address"] = dict(self.tcp_clients)
        return stats

    def _login(self, environ: dict) -> tuple[int, dict]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_LOGIN_BODY:
            return 413, {"error": "body too large"}
        try:
            body = json.loads(environ["wsgi.input"].read(length) or b"null")
        except ValueError:
            return 400, {"error": "body must be JSON"}
        username = body.get("username") if isinstance(body, dict) else None
        if not isinstance(username, str) or not username:
            return 400, {"error": "username required"}
        return 200, {"token": self.tokens.issue()}

    def _reset(self, _environ: dict) -> tuple[int, dict]:
        self.stats.reset()
        self.socketio.reset()
        self.tcp_clients.clear()
        return 200, {"reset": True}

    def _drop(self, _environ: dict) -> tuple[int, dict]:
        # dropped_at (epoch s, the clock of handshake_times) is where a storm's recovery time starts.
        dropped_at = time.time()
        return 200, {"dropped": self.drop_all(), "dropped_at": dropped_at}

    def drop_all(self) -> int:
        """Cut every open WebSocket (Socket.IO included) without a close frame; returns how many
        were cut."""
        victims = list(self.connections)
        for conn in victims:
            conn.abort()
        return len(victims) + self.socketio.drop_all()


def _respond(
    start_response: StartResponse,
    status: str,
    body: str,
    headers: list[tuple[str, str]] | None = None,
    content_type: str = "text/plain; charset=utf-8",
) -> list[bytes]:
    data = body.encode("utf-8")
    start_response(
        status, [("Content-Type", content_type), ("Content-Length", str(len(data))), *(headers or [])]
    )
    return [data]


def _respond_json(start_response: StartResponse, status: int, payload: dict) -> list[bytes]:
    data = json.dumps(payload).encode("utf-8")
    start_response(
        status_line(status),
        [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
    )
    return [data]
