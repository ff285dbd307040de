"""`DemoServer`: the whole demo server (plain WebSockets + Socket.IO) in one gevent WSGIServer."""

from __future__ import annotations

import logging
from typing import Any

import socketio
from gevent.pywsgi import WSGIServer

from .app import DemoApp
from .handler import DemoHandler

STOP_TIMEOUT_S = 2.0

log = logging.getLogger("locust_ws.demo")


class DemoServer:
    """Runs in the current process, serving from a greenlet; usable from tests and locustfiles.

    >>> server = DemoServer(port=0)
    >>> server.start()   # returns once the socket is bound
    >>> server.url       # 'ws://127.0.0.1:<port>'
    >>> server.stop()
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, feed_rate: float = 10.0) -> None:
        if feed_rate <= 0:
            raise ValueError("feed_rate must be > 0")
        self.host = host
        self.app = DemoApp(feed_rate=feed_rate)
        self._wsgi = WSGIServer(
            (host, port),
            socketio.WSGIApp(self.app.socketio.sio, self.app),
            handler_class=DemoHandler,
            log=None,  # DemoHandler writes the access log itself, via logging
            error_log=log,
        )
        # gevent-websocket consults this before answering 101 (see DemoApp.pre_start_hook).
        self._wsgi.pre_start_hook = self.app.pre_start_hook

    @property
    def port(self) -> int:
        return self._wsgi.server_port

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    @property
    def http_url(self) -> str:
        return f"http://{self.host}:{self.port}"

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
