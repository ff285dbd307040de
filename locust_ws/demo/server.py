"""`DemoServer`: the whole demo server (plain WebSockets + Socket.IO) in one gevent WSGIServer."""

from __future__ import annotations

import logging
import ssl
from collections import Counter
from collections.abc import Callable
from typing import Any

import socketio
from gevent.pywsgi import WSGIServer

from .app import DemoApp
from .compression import DeflateHandler
from .connection import IdlePolicy
from .handler import DemoHandler
from .outbox import SlowConsumerPolicy
from .socketio_app import SocketIOSettings

STOP_TIMEOUT_S = 2.0

log = logging.getLogger("locust_ws.demo")


class _HookedWSGIServer(WSGIServer):
    pre_start_hook: Callable[[DemoHandler], bool] | None = None
    """Consulted by gevent-websocket's handler before it answers 101 (``DemoApp.pre_start_hook``)."""
    tcp_clients: Counter[str] | None = None
    """Where ``DemoHandler`` counts each accepted connection by client IP (``DemoApp.tcp_clients``)."""
    send_buffer: int = 0
    """``SO_SNDBUF`` that ``DemoHandler`` gives each accepted socket (0: the kernel's)."""


class DemoServer:
    """Runs in the current process, serving from a greenlet; usable from tests and locustfiles.

    >>> server = DemoServer(port=0)
    >>> server.start()   # returns once the socket is bound
    >>> server.url       # 'ws://127.0.0.1:<port>'
    >>> server.stop()
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        feed_rate: float = 10.0,
        *,
        certfile: str | None = None,
        keyfile: str | None = None,
        client_ca: str | None = None,
        socketio_settings: SocketIOSettings | None = None,
        idle: IdlePolicy | None = None,
        slow_consumer: SlowConsumerPolicy | None = None,
        send_buffer: int = 0,
        compression: bool = True,
        max_connections: int | None = None,
        leak_connections: bool = False,
    ) -> None:
        """``certfile``/``keyfile`` serve TLS (``wss://``); ``client_ca`` also requires clients to
        present a certificate signed by that CA (mutual TLS), for testing client certificates.
        ``socketio_settings`` sets the Socket.IO heartbeat and room limits; ``idle`` closes or drops
        plain WebSockets whose client stays silent, as a gateway's idle timeout does;
        ``slow_consumer`` is what ``/feed`` does to a client that reads slower than it pushes, and
        ``send_buffer`` (bytes, 0: the kernel's, which grows to megabytes) each socket's send
        buffer. ``compression`` accepts permessage-deflate from clients that offer it
        (``compression.py``); ``False`` declines it, as a server without it does.
        ``max_connections`` and ``leak_connections`` make a server at capacity or a leaking one
        (``DemoApp``)."""
        if feed_rate <= 0:
            raise ValueError("feed_rate must be > 0")
        if client_ca and not certfile:
            raise ValueError("client_ca needs certfile (mutual TLS is TLS first)")
        self.host = host
        self.tls = certfile is not None
        self.app = DemoApp(
            feed_rate=feed_rate,
            socketio_settings=socketio_settings,
            idle=idle,
            slow_consumer=slow_consumer,
            max_connections=max_connections,
            leak_connections=leak_connections,
        )
        ssl_args: dict[str, Any] = {}
        if certfile:
            ssl_args = {"certfile": certfile, "keyfile": keyfile}
        if client_ca:
            ssl_args.update(ca_certs=client_ca, cert_reqs=ssl.CERT_REQUIRED)
        self._wsgi = _HookedWSGIServer(
            (host, port),
            socketio.WSGIApp(self.app.socketio.sio, self.app),
            handler_class=DeflateHandler if compression else DemoHandler,
            log=None,  # DemoHandler writes the access log itself, via logging
            error_log=log,
            **ssl_args,
        )
        self._wsgi.pre_start_hook = self.app.pre_start_hook
        self._wsgi.tcp_clients = self.app.tcp_clients  # DemoHandler counts each accepted connection
        self._wsgi.send_buffer = send_buffer

    @property
    def port(self) -> int:
        port = self._wsgi.server_port
        if port is None:  # only for a Unix socket address, which the demo never listens on
            raise RuntimeError("the demo server listens on no TCP port")
        return port

    @property
    def url(self) -> str:
        return f"{'wss' if self.tls else 'ws'}://{self.host}:{self.port}"

    @property
    def http_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    def start(self) -> None:
        """Bind and start serving in a greenlet; returns once the port is bound."""
        self._wsgi.start()

    def stop(self) -> None:
        """Drop open WebSockets (they never end on their own), then stop the server."""
        self._wsgi.close()  # stop accepting first, so nothing new arrives while dropping
        self.app.drop_all()
        self._wsgi.stop(timeout=STOP_TIMEOUT_S)

    def stats(self) -> dict[str, Any]:
        """The same dict `GET /stats` returns (close-code keys are ints here, strings in JSON)."""
        return self.app.snapshot()
