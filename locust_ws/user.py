"""``WebSocketUser``: the Locust ``User`` whose ``self.client`` is a ``WebSocketSession``.

Like ``FastHttpUser``, the user class is configuration and lifecycle only; the session does the I/O
and the measuring. Class attributes are the knobs, so a locustfile tunes a run by overriding them.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from locust import User
from locust.clients import HttpSession
from locust.env import Environment

from .errors import WebSocketError
from .messages import CorrelationKey
from .session import WebSocketSession
from .urls import http_url

_HANDLER_MARK = "_locust_ws_on_message"


def on_message(method: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
    """Mark a user method as a handler for inbound messages that are not replies::

        @on_message
        def chat(self, message):
            ...

    It runs in the connection's reader greenlet: keep it short and never sleep in it. To wait for a
    message from a task, use ``self.client.wait_for(predicate)`` instead."""
    setattr(method, _HANDLER_MARK, True)
    return method


class WebSocketUser(User):
    """A Locust user with one WebSocket connection, ``self.client``, opened in ``on_start`` to
    ``path`` (unless ``auto_connect`` is off) and always closed when the user stops, also when
    ``on_start`` failed half-way (which Locust would otherwise leave leaking)."""

    abstract = True

    path: ClassVar[str] = "/"
    """Path (or full URL) connected to in ``on_start``."""
    auto_connect: ClassVar[bool] = True
    """Connect in ``on_start``. Turn off to connect yourself, e.g. after a REST login."""
    headers: ClassVar[Mapping[str, str]] = {}
    """Extra handshake headers for the ``on_start`` connection."""
    subprotocols: ClassVar[Sequence[str]] = ()
    connect_timeout: ClassVar[float] = 10.0
    """Seconds for the TCP connect and for each handshake read."""
    reply_timeout: ClassVar[float] = 5.0
    """Default seconds ``request()`` and ``wait_for()`` wait."""
    ping_interval: ClassVar[float] = 30.0
    """Seconds between heartbeat pings; 0 turns heartbeats off."""
    pong_timeout: ClassVar[float] = 10.0
    """Seconds a ping may wait for its pong before the connection is declared dead."""
    close_timeout: ClassVar[float] = 2.0
    """Seconds to wait for the server's close frame after sending ours."""
    correlation: ClassVar[CorrelationKey] = "id"
    """JSON key (or callable) that pairs a reply with its request."""
    client_ts_key: ClassVar[str] = "client_ts"
    server_ts_key: ClassVar[str] = "server_ts"
    sender_key: ClassVar[str] = "sender"
    reconnect: ClassVar[bool] = True
    """Reopen a lost connection on the next send/request (the reconnect is a ``connect`` row)."""
    insecure: ClassVar[bool] = False
    """Skip TLS certificate verification for ``wss://`` (as Locust's HTTP users' ``insecure``)."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        self._sessions: list[WebSocketSession] = []
        self.client = self.new_session()
        for name in _handler_names(type(self)):
            self.client.on_message(getattr(self, name))
        self._http: HttpSession | None = None

    def new_session(self) -> WebSocketSession:
        """Another connection configured like ``self.client`` (same host, timeouts, correlation and
        heartbeats), closed with the user; for users that hold several sockets."""
        session = WebSocketSession(
            self.host,
            self.environment.events.request,
            self,
            connect_timeout=self.connect_timeout,
            reply_timeout=self.reply_timeout,
            ping_interval=self.ping_interval,
            pong_timeout=self.pong_timeout,
            close_timeout=self.close_timeout,
            correlation=self.correlation,
            client_ts_key=self.client_ts_key,
            server_ts_key=self.server_ts_key,
            sender_key=self.sender_key,
            reconnect=self.reconnect,
            sslopt={"cert_reqs": ssl.CERT_NONE, "check_hostname": False} if self.insecure else None,
        )
        self._sessions.append(session)
        return session

    @property
    def http(self) -> HttpSession:
        """Locust's HTTP client on the same host (``ws`` -> ``http``, ``wss`` -> ``https``), for the
        usual "log in over REST, then open the socket with the token" flow; its requests land in
        the same stats."""
        if self._http is None:
            self._http = HttpSession(
                base_url=http_url(self.host or ""),
                request_event=self.environment.events.request,
                user=self,
            )
            if self.insecure:
                self._http.verify = False
        return self._http

    def on_start(self) -> None:
        """Open ``self.client`` to ``path`` when ``auto_connect`` is on."""
        if self.auto_connect:
            self.client.connect(self.path, headers=self.headers, subprotocols=self.subprotocols)

    def on_stop(self) -> None:
        """Close every connection of this user (code 1000)."""
        for session in self._sessions:
            session.close()

    def run(self) -> None:
        """Run the user, with two guarantees Locust's ``User.run`` lacks: a connection failure in
        ``on_start`` is a failure entry, not a logged traceback that kills the user (its tasks then
        retry the connection), and the socket is closed even when ``on_stop`` never runs."""
        user_on_start = self.on_start

        def on_start() -> None:
            # A WebSocketError is already a failure entry; the tasks reconnect when they need to.
            with contextlib.suppress(WebSocketError):
                user_on_start()

        self.on_start = on_start  # type: ignore[method-assign]
        try:
            super().run()
        finally:
            for session in self._sessions:
                session.close()
            if self._http is not None:
                self._http.close()


def _handler_names(cls: type) -> list[str]:
    names: list[str] = []
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            if getattr(value, _HANDLER_MARK, False) and name not in names:
                names.append(name)
    return names
