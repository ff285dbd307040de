"""``RealtimeUser``: the lifecycle shared by every locust-ws user class.

It owns the user's connections (sessions with a ``close()`` method) and guarantees what Locust's
``User`` does not: a connection failure in ``on_start`` is a failure entry rather than a logged
traceback that kills the user, and every connection is closed when the user stops, also when
``on_start`` failed half-way and Locust skips ``on_stop``. Protocol classes only add how to build
and open their sessions.

The user holds its sessions weakly: a session the locustfile dropped after closing it (a user that
opens and closes a connection per task) is released at once instead of piling up until the user
stops (about 3 KB each). Nothing is lost by that: a session that is open, opening or reconnecting
is held by what runs it (its read watcher or reader, heartbeat, reconnect loop), so it is still
there to close at stop, and one the locustfile still holds may be reopened by its next call and
is closed then too.

It also carries the load patterns every protocol shares: a cluster-wide ``user_index`` taken
before ``on_start`` (``cluster.py``), the connect-rate cap and first-connect jitter handed to every
session as its ``connect_gate`` (``stagger.py``), and cooldowns for rate-limited actions that wait
in the task, never in a message handler (``cooldown.py``).
"""

from __future__ import annotations

import contextlib
import logging
import ssl
import time
import weakref
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, ClassVar, Protocol, TypeVar

import gevent
from locust import User
from locust.env import Environment

from ..cluster.user_index import user_indexes
from ..errors import UserClassError, WebSocketError
from ..patterns.backoff import Backoff
from ..patterns.cooldown import Cooldowns
from ..patterns.stagger import ConnectGate
from ..protocol.codes import RECONNECT_CLOSE_CODES
from ..protocol.deflate import CompressionSetting
from ..protocol.urls import http_url
from ..sessions.connection import DEFAULT_MAX_MESSAGE_SIZE
from ..transport.sources import parse_source_addresses, pick_source_address
from . import attributes
from .attributes import Check
from .http import RealtimeHttpSession

logger = logging.getLogger(__name__)


def _source_addresses_problem(value: Any) -> str | None:
    """``source_addresses``: addresses and networks, as one string or a list of strings."""
    if not isinstance(value, (str, list, tuple)) or not all(isinstance(item, str) for item in value):
        return "expected addresses or networks: a string or a list of strings"
    try:
        parse_source_addresses(value)
    except ValueError as error:
        return f"expected addresses or networks: {error}"
    return None


class Closable(Protocol):
    def close(self) -> None: ...


SessionT = TypeVar("SessionT", bound=Closable)


class RealtimeUser(User):
    """Base of ``WebSocketUser`` and ``SocketIOUser``; not used directly."""

    abstract = True

    headers: ClassVar[Mapping[str, str]] = {}
    """Extra HTTP headers of the ``on_start`` handshake."""
    auto_connect: ClassVar[bool] = True
    """Connect in ``on_start``. Turn off to connect yourself, e.g. after a REST login."""
    connect_timeout: ClassVar[float] = 10.0
    """Seconds for the whole handshake."""
    close_timeout: ClassVar[float] = 2.0
    """Seconds to wait for the server's close after sending ours."""
    client_ts_key: ClassVar[str] = "client_ts"
    """Payload key of the sender's wall-clock stamp (``stamp=True``): fan-out latency."""
    server_ts_key: ClassVar[str] = "server_ts"
    """Payload key of the server's wall-clock stamp: server-push latency."""
    sender_key: ClassVar[str] = "sender"
    """Payload key of the sender's id, so a client does not count its own messages as fan-out."""
    max_message_size: ClassVar[int] = DEFAULT_MAX_MESSAGE_SIZE
    """Bytes: a larger inbound message is refused (close code 1009) before it is buffered; 0 = no limit."""
    compression: ClassVar[CompressionSetting] = None
    """``"deflate"`` offers permessage-deflate (RFC 7692) on every connection; a ``DeflateOptions``
    (or a dict of its fields) sets its parameters. Off by default."""
    tags: ClassVar[Mapping[str, object]] = {}
    """Tags on every event of this user's sessions, as k6's (``{"feed": "orders"}``): the
    metrics, reports and thresholds split their rows by them (``fanout{feed:orders}:p99<200ms``).
    Not Locust's ``@tag``, which picks tasks to run; a session's or a call's ``tags=`` go over it."""
    insecure: ClassVar[bool] = False
    """Skip TLS certificate verification (as Locust's HTTP users' ``insecure``)."""
    ca_certs: ClassVar[str | None] = None
    """PEM bundle of the CAs to trust for ``wss://`` and ``https://`` instead of the system's."""
    client_cert: ClassVar[str | tuple[str, str] | None] = None
    """Client certificate for mutual TLS: a PEM file with cert and key, or ``(cert, key)`` files."""
    reconnect: ClassVar[bool] = True
    """Reopen lost connections in the background, with exponential backoff and full jitter."""
    reconnect_base: ClassVar[float] = 0.5
    """Seconds: the first reconnect waits up to this, each further attempt up to twice as long."""
    reconnect_cap: ClassVar[float] = 30.0
    """Seconds: the longest wait between reconnect attempts."""
    reconnect_max_attempts: ClassVar[int] = 0
    """Give up after this many failed attempts (reported as a failure); 0 never gives up."""
    reconnect_close_codes: ClassVar[Collection[int]] = RECONNECT_CLOSE_CODES
    """Close codes after which a connection is reopened (1006 = lost); a server closing with
    another code (1000, 1008, 4001 ...) meant it, and the connection stays closed."""
    slow_handler_ms: ClassVar[float] = 100.0
    """A message handler slower than this is logged once (handlers run one after another)."""
    reconnect_jitter: ClassVar[bool] = True
    """Draw each wait uniformly below its bound, so a crowd does not reconnect in lockstep."""
    user_index_timeout: ClassVar[float] = 30.0
    """Seconds a starting user waits for its ``user_index`` from the master before it gives up."""
    receive_rate: ClassVar[float] = 0.0
    """Messages per second this user reads at most, on purpose (0: as fast as they come): a slow
    consumer, whose lag is its own ``server push (slow reader)`` row. Heartbeats wait too."""
    receive_buffer: ClassVar[int] = 0
    """Bytes of socket receive buffer (0: the kernel's): small, so a slow reader's backlog
    reaches the server's buffers quickly."""
    connections_per_user: ClassVar[int] = 1
    """Connections each user opens in ``on_start`` and holds until it stops: ``self.client`` and
    as many more configured like it (handlers and ``on_connect`` included), all listed in
    ``self.connections``. For capacity tests: 10,000 held connections from 100 users of 100 cost
    a fraction of the memory of 10,000 users. Each is a connection like any other (its own
    ``connect`` and ``close`` rows, close codes, heartbeat, reconnects, a place in the
    open-connections gauge); their handshakes are paced by ``--ws-connect-rate``, one after the
    other. Tasks use ``self.client``."""
    source_addresses: ClassVar[str | Sequence[str]] = ()
    """Local IPs to connect from (addresses and networks such as ``127.0.0.2/31``), one per user
    round-robin by ``user_index``: each adds a port range's worth of connections to one server
    (sockets, Socket.IO polling and ``self.http``). ``--ws-source-addresses`` overrides it."""

    attribute_checks: ClassVar[dict[str, Check]] = {
        "headers": attributes.headers,
        "tags": attributes.tags,
        "auto_connect": attributes.flag,
        "connect_timeout": attributes.positive_seconds,
        "close_timeout": attributes.seconds_or_off,
        "client_ts_key": attributes.text,
        "server_ts_key": attributes.text,
        "sender_key": attributes.text,
        "max_message_size": attributes.count,
        "insecure": attributes.flag,
        "ca_certs": attributes.optional_text,
        "client_cert": attributes.client_cert,
        "reconnect": attributes.flag,
        "reconnect_base": attributes.positive_seconds,
        "reconnect_cap": attributes.positive_seconds,
        "reconnect_max_attempts": attributes.count,
        "reconnect_jitter": attributes.flag,
        "user_index_timeout": attributes.positive_seconds,
        "receive_rate": attributes.non_negative_number,
        "receive_buffer": attributes.count,
        "source_addresses": _source_addresses_problem,
        "connections_per_user": attributes.positive_count,
    }
    """What each class attribute accepts (``attributes.py``); protocol classes add theirs."""

    @classmethod
    def attribute_problems(cls) -> list[str]:
        """What is wrong with this class's attribute values, one line each naming the attribute
        (empty when nothing is): checked before any load, and when a user is created."""
        return attributes.attribute_problems(cls, cls.attribute_checks)

    @classmethod
    def misspelt_attributes(cls) -> list[str]:
        """Attributes this class defines that look like a misspelt attribute of ours or Locust's."""
        known = [*cls.attribute_checks, *(name for name in dir(User) if not name.startswith("_"))]
        return attributes.misspelt_attributes(cls, known)

    def __init__(self, environment: Environment) -> None:
        if problems := self.attribute_problems():
            raise UserClassError("; ".join(problems))
        super().__init__(environment)
        self._sessions: list[weakref.ref[Closable]] = []
        """Every session alive, in the order they were tracked in (closed in that order); a
        released session leaves it. A list, not a ``WeakValueDictionary``, which costs 0.9 KiB."""
        self._unweakable: list[Closable] = []  # tracked objects that take no weak reference
        self._http: RealtimeHttpSession | None = None
        self._user_index: int | None = None
        self._cooldowns = Cooldowns()
        self._connect_gate = ConnectGate(environment)
        self.connections: list[Any] = []
        """Every connection ``on_start`` opened (``connections_per_user``), ``self.client`` first."""

    @property
    def user_index(self) -> int:
        """This user's number, unique across the whole cluster: while users start, the running
        users hold ``0..N-1``; an index freed by a stopping user goes to the next user to start.
        Assigned before ``on_start``, e.g. for ``RoundRobin(rooms).pick(self.user_index, step)``."""
        if self._user_index is None:
            raise RuntimeError("user_index is assigned when the user starts running (before on_start)")
        return self._user_index

    def session_options(self) -> dict[str, Any]:
        """Keyword arguments every session of this user gets, whatever its protocol: how it
        reconnects and how its handshakes are paced (``--ws-connect-rate``, ``--ws-connect-jitter``)."""
        return {
            "connect_timeout": self.connect_timeout,
            "close_timeout": self.close_timeout,
            "client_ts_key": self.client_ts_key,
            "server_ts_key": self.server_ts_key,
            "sender_key": self.sender_key,
            "max_message_size": self.max_message_size,
            "compression": self.compression,
            "tags": self.tags,
            "sslopt": self.sslopt(),
            "backoff": self.backoff(),
            "reconnect_close_codes": self.reconnect_close_codes,
            "slow_handler_ms": self.slow_handler_ms,
            "connect_gate": self._connect_gate,
            "source_address": self.source_address,
            "receive_rate": self.receive_rate,
            "receive_buffer": self.receive_buffer,
        }

    def source_address(self) -> str | None:
        """The local IP this user's connections leave from (``None``: the kernel's choice), from
        ``--ws-source-addresses`` or else ``source_addresses``; asked on every connect."""
        options = self.environment.parsed_options
        spec = getattr(options, "ws_source_addresses", None) or self.source_addresses
        return pick_source_address(parse_source_addresses(spec), self.user_index) if spec else None

    def sslopt(self) -> dict[str, Any] | None:
        """websocket-client's TLS options from ``insecure``, ``ca_certs`` and ``client_cert``."""
        options: dict[str, Any] = {}
        if self.insecure:
            options.update(cert_reqs=ssl.CERT_NONE, check_hostname=False)
        if self.ca_certs:
            options["ca_certs"] = self.ca_certs
        if self.client_cert:
            certfile, keyfile = (
                (self.client_cert, None) if isinstance(self.client_cert, str) else self.client_cert
            )
            options["certfile"] = certfile
            if keyfile:
                options["keyfile"] = keyfile
        return options or None

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

    def on_connect(self) -> None:
        """Override to restore what this user had on ``self.client`` (subscriptions, a login
        message): runs after it connects and again after every reconnect, in the reconnect
        greenlet rather than a task, so wait with ``gevent.sleep`` or ``try_cooldown``, never
        ``cooldown``. Its calls are timed as usual; ``resubscribe <label>`` times a reconnect
        from the loss to the end of this method."""

    def _connect_all(
        self, client: SessionT, connect: Callable[[SessionT], None], more: Callable[[], SessionT]
    ) -> None:
        """``connect(client)``, then ``connections_per_user - 1`` more sessions from ``more()``,
        each connected in turn: one that fails is its own failed ``connect`` row (and reconnects
        in the background as ``client`` would), and the next is still opened. ``client``'s
        failure is raised once the others are open."""
        self.connections = [client]
        failure: WebSocketError | None = None
        try:
            connect(client)
        except WebSocketError as error:
            failure = error
        for _ in range(self.connections_per_user - 1):
            session = more()
            self.connections.append(session)
            with contextlib.suppress(WebSocketError):
                connect(session)
        if failure is not None:
            raise failure

    def _bind_on_connect(self, session: Any) -> None:
        """Register ``on_connect`` on ``session`` when the locustfile overrides it (otherwise a
        reconnect has nothing to restore, and gets no ``resubscribe`` row)."""
        if type(self).on_connect is not RealtimeUser.on_connect:
            session.on_connect(self.on_connect)

    def track(self, session: SessionT) -> SessionT:
        """Register a connection to be closed when this user stops, if it is still alive then (see
        the module's docstring); returns it."""
        try:
            self._sessions.append(weakref.ref(session, self._sessions.remove))
        except TypeError:  # no __weakref__ slot: held until the user stops
            self._unweakable.append(session)
        return session

    @property
    def http(self) -> RealtimeHttpSession:
        """Locust's HTTP client on the same host (``ws`` -> ``http``, ``wss`` -> ``https``), for the
        usual "log in over REST, then open the socket with the token" flow; its requests land in
        the same stats."""
        if self._http is None:
            self._http = RealtimeHttpSession(
                base_url=http_url(self.host or ""),
                request_event=self.environment.events.request,
                user=self,
            )
            self._http.verify = False if self.insecure else (self.ca_certs or True)
            source_address = self.source_address()
            if source_address:
                self._http.bind_source(source_address)
            if self.client_cert:
                self._http.cert = self.client_cert
        return self._http

    def cooldown(self, name: str, seconds: float) -> float:
        """Wait until ``seconds`` have passed since the last ``name`` action of this user, then count
        the action as done now; returns the seconds waited. For rate-limited actions::

            self.cooldown("join", seconds=2)
            self.client.send({"op": "join", "room": room})

        Call it from a task: it sleeps in the task greenlet only, so heartbeats, replies and
        handlers keep running. From a message handler (or any other greenlet) it raises
        ``RuntimeError``; use ``try_cooldown`` there."""
        if gevent.getcurrent() is not self.greenlet:
            raise RuntimeError(
                f"cooldown({name!r}) waits, so it may only be called from this user's tasks, not from "
                "a message handler or another greenlet (it would stall them); use try_cooldown() there"
            )
        wait = self._cooldowns.reserve(name, seconds, time.monotonic())
        if wait > 0:
            gevent.sleep(wait)
        return wait

    def try_cooldown(self, name: str, seconds: float) -> bool:
        """Never waits: True (and the ``name`` action counted as done now) when ``seconds`` have
        passed since the last one, False otherwise. Safe in message handlers."""
        return self._cooldowns.try_reserve(name, seconds, time.monotonic())

    def on_stop(self) -> None:
        """Close every connection of this user."""
        self._close_all()

    def run(self) -> None:  # type: ignore[misc]  # Locust marks run() final; we must wrap it
        """Take a cluster-wide ``user_index``, run the user with a guarded ``on_start``, and at the
        end close every connection and give the index back."""
        indexes = user_indexes(self.environment.runner)
        try:
            self._user_index = indexes.acquire(self.user_index_timeout)
        except gevent.Timeout:
            if not indexes.timeout_reported:  # once, not once per user
                indexes.timeout_reported = True
                logger.error(
                    "%s got no user_index from the master within %g s, so it (and any other user "
                    "in that state) stops: does the master run the same locustfile, importing locust_ws?",
                    type(self).__name__,
                    self.user_index_timeout,
                )
            return
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
            indexes.release(self._user_index)
            self._user_index = None

    def _close_all(self) -> None:
        for session in [*(alive() for alive in self._sessions), *self._unweakable]:
            if session is not None:
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
