"""``RealtimeUser``: the lifecycle shared by every locust-ws user class.

It owns the user's connections (sessions with a ``close()`` method) and guarantees what Locust's
``User`` does not: a connection failure in ``on_start`` is a failure entry rather than a logged
traceback that kills the user, and every connection is closed when the user stops, also when
``on_start`` failed half-way and Locust skips ``on_stop``. Protocol classes only add how to build
and open their sessions.
"""

from __future__ import annotations

import contextlib
from typing import Any, ClassVar, Protocol, TypeVar

from locust import User
from locust.clients import HttpSession
from locust.env import Environment

from .backoff import Backoff
from .errors import WebSocketError
from .urls import http_url


class Closable(Protocol):
    def close(self) -> None: ...


SessionT = TypeVar("SessionT", bound=Closable)


class RealtimeUser(User):
    """Base of ``WebSocketUser`` and ``SocketIOUser``; not used directly."""

    abstract = True

    insecure: ClassVar[bool] = False
    """Skip TLS certificate verification (as Locust's HTTP users' ``insecure``)."""
    reconnect: ClassVar[bool] = True
    """Reopen lost connections in the background, with exponential backoff and full jitter."""
    reconnect_base: ClassVar[float] = 0.5
    """Seconds: the first reconnect waits up to this, each further attempt up to twice as long."""
    reconnect_cap: ClassVar[float] = 30.0
    """Seconds: the longest wait between reconnect attempts."""
    reconnect_max_attempts: ClassVar[int] = 0
    """Give up after this many failed attempts (reported as a failure); 0 never gives up."""
    reconnect_jitter: ClassVar[bool] = True
    """Draw each wait uniformly below its bound, so a crowd does not reconnect in lockstep."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        self._sessions: list[Closable] = []
        self._http: HttpSession | None = None

    def session_options(self) -> dict[str, Any]:
        """Keyword arguments every session of this user gets, whatever its protocol: how it
        reconnects (and, with the load-pattern options, how its handshakes are paced)."""
        return {"backoff": self.backoff()}

    def backoff(self) -> Backoff | None:
        """The reconnect policy for this user's sessions, from the ``reconnect*`` attributes."""
        if not self.reconnect:
            return None
        return Backoff(
            base=self.reconnect_base,
            cap=self.reconnect_cap,
            max_attempts=self.reconnect_max_attempts,
            jitter=self.reconnect_jitter,
        )

    def track(self, session: SessionT) -> SessionT:
        """Register a connection to be closed when this user stops; returns it."""
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

    def on_stop(self) -> None:
        """Close every connection of this user."""
        self._close_all()

    def run(self) -> None:
        """Run the user with a guarded ``on_start`` and closing every connection at the end."""
        user_on_start = self.on_start

        def on_start() -> None:
            # A WebSocketError is already a failure entry; the tasks reconnect when they need to.
            with contextlib.suppress(WebSocketError):
                user_on_start()

        self.on_start = on_start  # type: ignore[method-assign]
        try:
            super().run()
        finally:
            self._close_all()
            if self._http is not None:
                self._http.close()

    def _close_all(self) -> None:
        for session in self._sessions:
            session.close()


def subclass_attributes_marked(cls: type, mark: str) -> list[str]:
    """Names of the attributes of ``cls`` (and its bases, base first) that carry ``mark``: how
    decorated handler methods are found on a user class."""
    names: list[str] = []
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            if getattr(value, mark, False) and name not in names:
                names.append(name)
    return names


def mark(method: Any, attribute: str, value: Any = True) -> Any:
    """Tag ``method`` with ``attribute`` (what ``subclass_attributes_marked`` looks for)."""
    setattr(method, attribute, value)
    return method
