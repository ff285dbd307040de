"""``SocketIOUser``: the Locust ``User`` whose ``self.client`` is a ``SocketIOSession``.

The Socket.IO counterpart of ``WebSocketUser``: class attributes are the knobs, the session does
the I/O and the measuring, and ``RealtimeUser`` the lifecycle (guarded ``on_start``, every
connection closed at stop, ``self.http``, reconnect policy, connect pacing).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from locust.env import Environment

from ..sessions.socketio import SocketIOSession
from . import attributes
from .attributes import Check
from .realtime import RealtimeUser, mark, subclass_attributes_marked

_HANDLER_MARK = "_locust_ws_socketio_events"


def on(event: str, namespace: str = "/") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a user method as the handler of ``event`` in ``namespace`` (``"*"``: every event, called
    with the event name first), as python-socketio's ``@sio.on``::

        @on("chat", namespace="/chat")
        def chat(self, message):
            ...

    Handlers run in the connection's dispatch greenlet, after the reader has timed and counted the
    event, so a slow handler delays later handlers only. Its return value answers a server ``call``.
    Decorators can be stacked to handle several events with one method."""

    def decorate(method: Callable[..., Any]) -> Callable[..., Any]:
        return mark(method, _HANDLER_MARK, [*getattr(method, _HANDLER_MARK, []), (event, namespace)])

    return decorate


class SocketIOUser(RealtimeUser):
    """A Locust user with one Socket.IO connection, ``self.client``, opened in ``on_start`` to the
    ``namespaces`` (unless ``auto_connect`` is off) and always closed when the user stops."""

    abstract = True

    namespaces: ClassVar[Sequence[str]] = ("/",)
    """Namespaces connected in ``on_start`` (several share one connection)."""
    auth: ClassVar[Mapping[str, Any] | None] = None
    """``auth`` payload of the ``on_start`` connection; per-user tokens: connect yourself."""
    transports: ClassVar[Sequence[str]] = ("websocket",)
    """``("polling",)`` to use Engine.IO long-polling instead of the WebSocket transport."""
    socketio_path: ClassVar[str] = "socket.io"
    ack_timeout: ClassVar[float] = 5.0
    """Default seconds ``call()`` waits for its ack and ``wait_for()`` for its event."""
    room_key: ClassVar[str] = "room"
    """Payload key ``join``/``leave``/``emit(room=)`` put the room name under."""
    rejoin_rooms: ClassVar[bool] = True
    """After a reconnect, join again every room ``join`` had put ``self.client`` in (before
    ``on_connect`` runs): servers forget a connection's rooms with it."""
    retry_refused_namespaces: ClassVar[bool] = False
    """Ask again on every reconnect for namespaces the server refused, and keep reconnecting when
    it refused them all. Off: a refused namespace (bad auth) stays out until ``connect`` is called
    again, and a connection with every namespace refused is not reconnected."""

    attribute_checks: ClassVar[dict[str, Check]] = {
        **RealtimeUser.attribute_checks,
        "namespaces": attributes.namespaces,
        "auth": attributes.auth,
        "transports": attributes.transports,
        "socketio_path": attributes.text,
        "ack_timeout": attributes.positive_seconds,
        "slow_handler_ms": attributes.non_negative_number,
        "room_key": attributes.text,
        "rejoin_rooms": attributes.flag,
    }

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        self.client = self._configured_session()

    def _configured_session(self) -> SocketIOSession:
        """A new session with this class's ``on_connect`` and ``@on`` handlers."""
        session = self.new_session()
        self._bind_on_connect(session)
        for name in subclass_attributes_marked(type(self), _HANDLER_MARK):
            method = getattr(self, name)
            for event, namespace in getattr(method, _HANDLER_MARK):
                session.on(event, method, namespace=namespace)
        return session

    def new_session(self) -> SocketIOSession:
        """Another Socket.IO connection configured like ``self.client`` (no handlers), closed with
        the user; one the locustfile closes and drops is released at once."""
        return self.track(
            SocketIOSession(
                self.host,
                self.environment.events.request,
                self,
                ack_timeout=self.ack_timeout,
                room_key=self.room_key,
                rejoin_rooms=self.rejoin_rooms,
                retry_refused_namespaces=self.retry_refused_namespaces,
                **self.session_options(),
            )
        )

    def on_start(self) -> None:
        """Connect ``self.client`` (and the rest of ``connections_per_user``) to ``namespaces``
        when ``auto_connect`` is on."""
        if self.auto_connect:
            self._connect_all(self.client, self._connect_session, self._configured_session)

    def _connect_session(self, session: SocketIOSession) -> None:
        session.connect(
            namespaces=self.namespaces,
            auth=self.auth,
            headers=self.headers,
            transports=self.transports,
            socketio_path=self.socketio_path,
        )
