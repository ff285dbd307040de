"""``WebSocketUser``: the Locust ``User`` whose ``self.client`` is a ``WebSocketSession``.

Like ``FastHttpUser``, the user class is configuration and lifecycle only; the session does the I/O
and the measuring. Class attributes are the knobs, so a locustfile tunes a run by overriding them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from locust.env import Environment

from ..protocol.messages import CorrelationKey
from ..sessions.websocket import WebSocketSession
from . import attributes
from .attributes import Check
from .realtime import RealtimeUser, mark, subclass_attributes_marked

_HANDLER_MARK = "_locust_ws_on_message"


def on_message(method: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
    """Mark a user method as a handler for inbound messages that are not replies::

        @on_message
        def chat(self, message):
            ...

    It runs in the connection's reader greenlet: keep it short and never sleep in it. To wait for a
    message from a task, use ``self.client.wait_for(predicate)`` instead."""
    return mark(method, _HANDLER_MARK)


class WebSocketUser(RealtimeUser):
    """A Locust user with one WebSocket connection, ``self.client``, opened in ``on_start`` to
    ``path`` (unless ``auto_connect`` is off) and always closed when the user stops."""

    abstract = True

    path: ClassVar[str] = ""
    """Path joined onto the host's URL (or a full URL) connected to in ``on_start``. Empty (the
    default): the host's URL exactly as given, its path and query included, since most real
    endpoints live at a path (``--host ws://example.com/ws``) and a server bound to ``/ws`` refuses
    ``/ws/``."""
    subprotocols: ClassVar[Sequence[str]] = ()
    reply_timeout: ClassVar[float] = 5.0
    """Default seconds ``request()`` and ``wait_for()`` wait."""
    ping_interval: ClassVar[float] = 30.0
    """Seconds between heartbeat pings; 0 turns heartbeats off."""
    pong_timeout: ClassVar[float] = 10.0
    """Seconds a ping may wait for its pong before the connection is declared dead."""
    correlation: ClassVar[CorrelationKey] = "id"
    """JSON key (or callable) that pairs a reply with its request."""
    skip_utf8_validation: ClassVar[bool] = False
    """Trust the server's text frames to be UTF-8 (RFC 6455 requires checking; saves CPU)."""

    attribute_checks: ClassVar[dict[str, Check]] = {
        **RealtimeUser.attribute_checks,
        "path": attributes.path,
        "subprotocols": attributes.strings,
        "reply_timeout": attributes.positive_seconds,
        "ping_interval": attributes.seconds_or_off,
        "pong_timeout": attributes.positive_seconds,
        "correlation": attributes.correlation,
        "skip_utf8_validation": attributes.flag,
    }

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        self.client = self._configured_session()

    def _configured_session(self) -> WebSocketSession:
        """A new session with this class's ``on_connect`` and ``@on_message`` handlers."""
        session = self.new_session()
        self._bind_on_connect(session)
        for name in subclass_attributes_marked(type(self), _HANDLER_MARK):
            session.on_message(getattr(self, name))
        return session

    def new_session(self) -> WebSocketSession:
        """Another connection configured like ``self.client`` (same host, timeouts, correlation and
        heartbeats), closed with the user; for users that hold several sockets. One the locustfile
        closes and drops is released at once, so a connection per task does not pile up."""
        return self.track(
            WebSocketSession(
                self.host,
                self.environment.events.request,
                self,
                reply_timeout=self.reply_timeout,
                ping_interval=self.ping_interval,
                pong_timeout=self.pong_timeout,
                correlation=type(self).correlation,  # a callable as it was set, not bound to the user
                skip_utf8_validation=self.skip_utf8_validation,
                **self.session_options(),
            )
        )

    def on_start(self) -> None:
        """Open ``self.client`` (and the rest of ``connections_per_user``) to ``path`` when
        ``auto_connect`` is on."""
        if self.auto_connect:
            self._connect_all(self.client, self._connect_session, self._configured_session)

    def _connect_session(self, session: WebSocketSession) -> None:
        session.connect(self.path, headers=self.headers, subprotocols=self.subprotocols)
