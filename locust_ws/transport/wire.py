"""``WireSocket``: an open WebSocket connection on a (plain or TLS) socket, and ``open_websocket``,
which opens one.

After the opening handshake a WebSocket is frames on a stream socket, and this module only pumps
them: ``read`` makes one ``recv``, hands the bytes to the connection's sans-I/O ``ClientProtocol``
and returns the events they complete (writing what the protocol answers on its own: pongs, the
close reply); ``send`` writes the frame the protocol builds with one ``send``. websocket-client's
own frame layer costs three ``recv`` calls and a dozen Python calls per frame; this is the hot path
of every session.

The opening handshake has one deadline for all of it (TCP connect, TLS, the HTTP response head),
and a send can be given one too, so a server that trickles its response or stops reading can hold
a caller no longer than its timeout.

Plain ``ws://`` connections also get a lean opening handshake (``handshake.py``): one ``recv`` for
the response, no thread-pool DNS lookup for IP literals. ``wss://``, proxies (options or the
``http_proxy`` environment, as websocket-client reads it), redirects and callers overriding the
handshake's own headers use websocket-client's ``create_connection``, and then the same frame path
on the socket it opened. Either way, a ``compression`` option offers permessage-deflate and the
server's answer is checked here (``handshake.check_extensions``) before the protocol is built with
the codec they agreed on.
"""

from __future__ import annotations

import errno
import functools
import os
import socket
from time import monotonic, perf_counter
from typing import Any, Protocol

import gevent
import gevent.socket
import websocket
from gevent.lock import Semaphore
from websocket._http import _ssl_socket
from websocket._url import get_proxy_info, parse_url

from ..protocol import handshake
from ..protocol.connection import ClientProtocol, Closed, Event
from ..protocol.deflate import DeflateOptions, PerMessageDeflate
from ..protocol.frames import OPCODE_TEXT, MaskKeys
from .reading import Deliver, End, GreenletReading, Reading, WatchedReading
from .sources import bind_source

READ_SIZE = 64 * 1024
"""Bytes asked of each ``recv``; more while a larger frame is incomplete (up to ``MAX_READ_SIZE``)."""
MAX_READ_SIZE = 4 * 1024 * 1024

MASK_KEYS = MaskKeys()
"""One pool for the process: a masking key per frame, never a syscall per frame."""


class HandshakeTimeout(TimeoutError):
    """The opening handshake's deadline passed; ``phase`` says what had not arrived."""

    def __init__(self, phase: str) -> None:
        super().__init__(phase)
        self.phase = phase


class SendTimeout(TimeoutError):
    """A send did not complete within its deadline: the server stopped reading."""


class Transport(Protocol):
    """What a session needs of an open connection: ``WireSocket``, or the Engine.IO long-polling
    transport (``polling.py``) that poses as one. ``read`` returns protocol events; the last one a
    transport ever returns is a ``Closed``."""

    @property
    def closed(self) -> Closed | None: ...
    @property
    def deflate(self) -> PerMessageDeflate | None: ...
    def read(self) -> list[Event]: ...
    def start_reading(self, deliver: Deliver, end: End) -> Reading: ...
    def send(self, payload: bytes, opcode: int = OPCODE_TEXT, timeout: float | None = None) -> bool: ...
    def ping(self, payload: bytes = b"") -> None: ...
    def send_close(self, status: int = 1000, reason: str = "", timeout: float | None = None) -> None: ...
    def lose(self, reason: str) -> Closed: ...
    def shutdown(self) -> None: ...


class WireSocket:
    """One open WebSocket: events in (``read``), frames out (``send``, ``ping``, ``send_close``).
    Sends are serialized, so frames from the task, the reader (pongs, the close reply) and the
    heartbeat never interleave on the wire."""

    __slots__ = ("_early", "_send_lock", "_watched", "protocol", "sock", "subprotocol")

    def __init__(
        self,
        sock: socket.socket,
        protocol: ClientProtocol,
        early: bytes = b"",
        subprotocol: str | None = None,
    ) -> None:
        """``early``: bytes that arrived with the handshake response (a server may speak first)."""
        sock.settimeout(None)
        self.sock = sock
        self.subprotocol = subprotocol
        self.protocol = protocol
        self._early = early
        self._send_lock = Semaphore()
        self._watched: WatchedReading | None = None

    @property
    def closed(self) -> Closed | None:
        """How the connection ended, once it has."""
        return self.protocol.closed

    @property
    def deflate(self) -> PerMessageDeflate | None:
        """The permessage-deflate codec the handshake agreed on (with its counters), or ``None``."""
        return self.protocol.deflate

    def read(self) -> list[Event]:
        """Block until the bytes read complete at least one event and return them. When the
        connection ends (a close frame, a protocol violation, the socket closed or broken) the
        last event is the ``Closed`` that says how."""
        protocol = self.protocol
        if self._early:
            early, self._early = self._early, b""
            events = self._receive(early)
            if events:
                return events
        while True:
            if protocol.failure_pending:
                return self._receive(b"")
            wanted = protocol.wanted
            try:
                data = self._recv(READ_SIZE if wanted <= READ_SIZE else min(wanted, MAX_READ_SIZE))
            except OSError as error:
                return [protocol.receive_eof(describe_error(error))]
            if not data:
                return [protocol.receive_eof()]
            events = self._receive(data)
            if events:
                return events

    def start_reading(self, deliver: Deliver, end: End) -> Reading:
        """Read the connection in the background (``reading.py``): a plain socket by a read watcher
        and the pooled readers, holding no greenlet while it is idle; a TLS socket, whose bytes the
        SSL layer may hold out of the watcher's sight, by a greenlet of its own."""
        if type(self.sock) is not gevent.socket.socket:
            return GreenletReading(self.read, deliver, end)
        self._watched = WatchedReading(self.sock.fileno(), self, deliver, end)
        return self._watched

    def read_nowait(self) -> list[Event]:
        """The events completed by the bytes there are now, from at most one ``recv`` that never
        waits: ``[]`` when none. Once the connection ended, the ``Closed`` that says how."""
        protocol = self.protocol
        if self._early:
            early, self._early = self._early, b""
            return self._receive(early)
        if protocol.failure_pending:
            return self._receive(b"")
        sock: Any = self.sock
        if sock._read_event is None:  # closed by shutdown()
            return [protocol.receive_eof("the socket was closed")]
        wanted = protocol.wanted
        try:
            data = sock._sock.recv(READ_SIZE if wanted <= READ_SIZE else min(wanted, MAX_READ_SIZE))
        except BlockingIOError:
            return []
        except OSError as error:
            return [protocol.receive_eof(describe_error(error))]
        if not data:
            return [protocol.receive_eof()]
        return self._receive(data)

    def has_pending(self) -> bool:
        """Whether ``read_nowait`` has events to return without new bytes."""
        return bool(self._early) or self.protocol.failure_pending

    def _receive(self, data: bytes) -> list[Event]:
        protocol = self.protocol
        events = protocol.receive_data(data, perf_counter())
        answer = protocol.data_to_send()
        if answer:
            try:
                with self._send_lock:
                    _send_all(self.sock, answer)
            except OSError:
                pass  # the reader learns of the loss on its next read
        return events

    def _recv(self, size: int) -> bytes:
        """One ``recv``. On a plain gevent socket the reader first waits until the socket is
        readable: right after a frame the next one is rarely there yet, and gevent's ``recv``
        would try, fail with ``EAGAIN`` (a syscall and an exception) and only then wait. TLS
        sockets buffer inside the SSL layer, so they use ``recv`` as it is."""
        sock = self.sock
        if type(sock) is not gevent.socket.socket:
            return sock.recv(size)
        while True:
            event = sock._read_event  # None once the socket is closed
            if event is None:
                raise OSError(errno.EBADF, "the socket was closed")
            sock._wait(event)
            try:
                return sock._sock.recv(size)
            except BlockingIOError:
                continue  # readable for someone else, or a spurious wake-up

    def send(self, payload: bytes, opcode: int = OPCODE_TEXT, timeout: float | None = None) -> bool:
        """Send one data frame; True when it blocked: it waited for the frames before it, or the
        socket buffer could not take it at once (backpressure). With ``timeout`` (seconds) a send the
        server does not read in time raises ``SendTimeout``, and the connection, now holding a
        half-written frame, is given up. The frame is built under the send lock: with
        permessage-deflate's context takeover each message is compressed against the ones before
        it, so messages must reach the wire in the order they were compressed, and one compressed
        but never sent would corrupt every later one."""
        lock = self._send_lock
        if timeout is None:
            waited = lock.locked()
            with lock:
                return _send_all(self.sock, self.protocol.send_message(payload, opcode)) or waited
        # The common case costs no clock read and no timer: the lock is free and one send() takes
        # the whole frame. The deadline only starts to matter once something has to wait.
        started = monotonic() if lock.locked() else None
        if started is not None and not lock.acquire(timeout=timeout):
            raise SendTimeout(f"send waited {timeout:g} s for the frames before it")
        if started is None:
            lock.acquire()
        try:
            frame = self.protocol.send_message(payload, opcode)
            sent = self.sock.send(frame)
            if sent < len(frame):
                deadline = (started if started is not None else monotonic()) + timeout
                self._send_rest(memoryview(frame)[sent:], deadline, timeout)
                return True
        finally:
            lock.release()
        return started is not None

    def _send_rest(self, rest: memoryview, deadline: float, timeout: float) -> None:
        try:
            with gevent.Timeout(max(deadline - monotonic(), 0.0), SendTimeout):
                self.sock.sendall(rest)
        except SendTimeout:
            self.lose(f"a send blocked for {timeout:g} s (the server stopped reading)")
            raise SendTimeout(f"the server read nothing for {timeout:g} s") from None

    def ping(self, payload: bytes = b"") -> None:
        """Send a ping, timed from when it is written (the pong's ``rtt``)."""
        with self._send_lock:
            _send_all(self.sock, self.protocol.send_ping(payload, perf_counter()))

    def send_close(self, status: int = 1000, reason: str = "", timeout: float | None = None) -> None:
        """Start the closing handshake; nothing when a close frame was sent or received already.
        With ``timeout`` a close frame not on the wire within that many seconds (the frames before
        it, or a full socket buffer: a server that stopped reading) raises ``SendTimeout``. As in
        ``send``, the common case starts no timer: a timer per close was 5% of handshake churn."""
        frame = self.protocol.send_close(status, reason)
        if not frame:
            return
        lock = self._send_lock
        started = monotonic() if timeout is not None and lock.locked() else None
        if started is not None and not lock.acquire(timeout=timeout):
            raise SendTimeout(f"close waited {timeout:g} s for the frames before it")
        if started is None:
            lock.acquire()
        try:
            sent = self.sock.send(frame)
            if sent < len(frame):
                left = None if timeout is None else max((started or monotonic()) + timeout - monotonic(), 0.0)
                with gevent.Timeout(left, SendTimeout):
                    self.sock.sendall(memoryview(frame)[sent:])
        finally:
            lock.release()

    def lose(self, reason: str) -> Closed:
        """Give the connection up for ``reason`` (no pong, a stuck send): it ends as lost (1006)
        unless it had ended already, and the socket is closed."""
        closed = self.protocol.receive_eof(reason)
        self.shutdown()
        return closed

    def shutdown(self) -> None:
        """Close the socket; a ``read`` blocked in another greenlet, or the background reading,
        ends with a ``Closed``."""
        if self._watched is not None:
            self._watched.close_watcher()
        self.sock.close()


def describe_error(error: BaseException) -> str:
    """A socket error as a short, stable text (no addresses, no server bytes)."""
    text = str(error) or type(error).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def open_websocket(url: str, options: dict[str, Any]) -> WireSocket:
    """Open ``url`` with websocket-client's option names (``timeout``: one deadline in seconds for
    the whole handshake, ``header``, ``subprotocols``, ``sslopt``) plus ``max_message_size`` and
    ``skip_utf8_validation`` for the protocol, ``compression`` (a ``DeflateOptions``) to offer
    permessage-deflate, and ``source_address`` (the local IP to connect from; not through a
    proxy). Failures raise what websocket-client or the socket layer raises, and
    ``HandshakeTimeout`` naming the phase the deadline passed in."""
    options = dict(options)
    offer: DeflateOptions | None = options.pop("compression", None)
    protocol = functools.partial(
        ClientProtocol,
        options.pop("max_message_size", 0),
        not options.pop("skip_utf8_validation", False),
        MASK_KEYS,
    )
    timeout = options.get("timeout")
    source_address = options.pop("source_address", None)
    deadline = None if timeout is None else monotonic() + timeout
    hostname, port, resource, secure = _parsed_url(url)
    if secure or _proxied(hostname, options) or handshake.overrides_reserved(options.get("header")):
        return _open_with_websocket_client(url, options, offer, protocol, deadline, source_address)
    progress = _Progress()
    sock: socket.socket | None = None
    timer = None if timeout is None else gevent.Timeout.start_new(timeout)
    try:
        sock = _connect(hostname, port, source_address, options.get("sockopt", ()))
        progress.phase = "no HTTP response"
        key = handshake.new_key()
        subprotocols, headers = options.get("subprotocols"), options.get("header")
        extensions = offer.offer() if offer is not None else None
        _send_all(
            sock, handshake.upgrade_request(resource, hostname, port, key, headers, subprotocols, extensions)
        )
        head, early = _read_head(sock, progress)
        if timer is not None:
            timer.close()
        response = handshake.parse_response(head)
        if response.status in handshake.REDIRECT_STATUSES:
            sock.close()
            return _open_with_websocket_client(url, options, offer, protocol, deadline, source_address)

        if response.status != 101:
            raise websocket.WebSocketBadStatusException(
                f"Handshake status {response.status} {response.reason}",
                response.status,
                response.reason,
                response.headers,
            )
        try:
            subprotocol = handshake.check_upgrade(response, key, subprotocols)
            deflate = _negotiated(response.headers, offer)
        except handshake.HandshakeError as error:
            raise websocket.WebSocketException(str(error)) from None
    except BaseException as error:
        if timer is not None:
            timer.close()
        if sock is not None:
            sock.close()
        if error is timer:
            raise HandshakeTimeout(progress.phase) from None
        raise
    return WireSocket(sock, protocol(deflate=deflate), early, subprotocol)


class _Progress:
    """How far a plain handshake got, for the ``HandshakeTimeout`` its one timer raises: that timer
    (a ``gevent.Timeout`` for the whole handshake) replaces a timeout per socket operation, which
    cost gevent a ``Timeout`` object, a timer and a failed ``recv`` each."""

    __slots__ = ("phase",)

    def __init__(self) -> None:
        self.phase = "no TCP connection"


_parsed_url = functools.lru_cache(maxsize=256)(parse_url)
"""websocket-client's ``parse_url`` (host, port, resource, secure), cached: a handshake-churning
user connects to the same URL again and again."""


def _negotiated(headers: dict[str, str], offer: DeflateOptions | None) -> PerMessageDeflate | None:
    """The codec for the permessage-deflate the response agreed to (``HandshakeError`` when it
    breaks RFC 7692), ``None`` when it chose none."""
    agreed = handshake.check_extensions(headers, offer)
    if agreed is None or offer is None:
        return None
    return PerMessageDeflate.for_client(agreed, offer)


_PROXY_OPTIONS = frozenset(("http_proxy_host", "http_proxy_port", "http_proxy_auth", "http_proxy_timeout"))
"""websocket-client's options that make it connect through a proxy."""


def _proxied(hostname: str, options: dict[str, Any]) -> bool:
    """Whether websocket-client would use a proxy for a plain ``ws://`` URL to ``hostname``."""
    if not _PROXY_OPTIONS.isdisjoint(options):
        return True
    if not (os.environ.get("http_proxy") or os.environ.get("HTTP_PROXY")):
        return False  # the common case, without get_proxy_info's no_proxy parsing per handshake
    return bool(get_proxy_info(hostname, False)[0])


def _send_all(sock: socket.socket, data: bytes) -> bool:
    """One ``send`` unless the socket buffer is full (gevent's ``sendall`` adds a
    ``getsockopt`` call to every send); True when it was full and the rest had to wait."""
    sent = sock.send(data)
    if sent < len(data):
        sock.sendall(memoryview(data)[sent:])
        return True
    return False


def _open_with_websocket_client(
    url: str,
    options: dict[str, Any],
    offer: DeflateOptions | None,
    protocol: functools.partial[ClientProtocol],
    deadline: float | None,
    source_address: str | None = None,
) -> WireSocket:
    """TLS, proxies and redirects through websocket-client, which knows them, within what is left
    of the deadline (its own ``timeout`` is per socket operation). websocket-client cannot bind a
    source address: then the TCP (and TLS) socket is ours, handed to it as ``socket``. Its
    handshake ignores extensions, so our offer goes in as a header and the answer is checked here;
    without an offer the response's extensions go unchecked, as callers who write their own
    ``Sec-WebSocket-Extensions`` header expect."""
    if offer is not None:
        lines = handshake.header_lines(options.get("header"))
        if any(line.split(":", 1)[0].strip().lower() == "sec-websocket-extensions" for line in lines):
            raise ValueError("compression and a Sec-WebSocket-Extensions header of your own: choose one")
        options["header"] = [*lines, f"Sec-WebSocket-Extensions: {offer.offer()}"]
    remaining = None if deadline is None else max(deadline - monotonic(), 0.001)
    with gevent.Timeout(remaining, HandshakeTimeout("no completed TLS and HTTP handshake")):
        if source_address is not None:
            hostname, port, _, secure = parse_url(url)
            if _proxied(hostname, options):
                raise websocket.WebSocketException("a source address cannot be used through a proxy")
            sock = _connect(hostname, port, source_address, options.get("sockopt", ()))
            sock.settimeout(remaining)  # websocket-client's own reads and writes keep a timeout
            options["socket"] = _ssl_socket(sock, options.get("sslopt") or {}, hostname) if secure else sock
        ws = websocket.create_connection(url, **options)
    deflate = None
    if offer is not None:
        try:
            deflate = _negotiated(ws.getheaders() or {}, offer)
        except handshake.HandshakeError as error:
            ws.shutdown()
            raise websocket.WebSocketException(str(error)) from None
    sock, ws.sock = ws.sock, None  # ours from now on; websocket-client never read past the 101
    return WireSocket(sock, protocol(deflate=deflate), subprotocol=ws.getsubprotocol())


def _connect(
    hostname: str,
    port: int,
    source_address: str | None = None,
    sockopt: Any = (),
) -> socket.socket:
    """A connected TCP socket with websocket-client's socket options (``TCP_NODELAY``,
    keepalive) and the caller's (``sockopt``), from ``source_address`` when given. An IP literal
    is used as is: resolving it would cost a thread-pool round trip. The caller's deadline (a
    ``gevent.Timeout``) bounds it."""
    addresses = _literal_address(hostname, port)
    if addresses is None:
        try:
            addresses = [
                (family, address)
                for family, _, _, _, address in socket.getaddrinfo(
                    hostname, port, 0, socket.SOCK_STREAM, socket.IPPROTO_TCP
                )
            ]
        except socket.gaierror as error:
            raise websocket.WebSocketAddressException(str(error)) from None
    failure: OSError | None = None
    for family, address in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            for option in (*websocket.DEFAULT_SOCKET_OPTION, *sockopt):
                sock.setsockopt(*option)
            if source_address is not None:
                bind_source(sock, source_address)
            _connect_socket(sock, address)
        except ConnectionRefusedError as refused:
            sock.close()
            failure = refused
            continue
        except BaseException:
            sock.close()
            raise
        return sock
    raise failure or websocket.WebSocketAddressException(f"no address for {hostname}")


def _connect_socket(sock: socket.socket, address: Any) -> None:
    """Connect a gevent socket (no timeout of its own) to a resolved ``address`` in two system
    calls: ``connect``, and once the socket is writable, ``SO_ERROR`` for how it went. gevent's
    ``connect`` makes four (it asks ``SO_ERROR`` before each of its two ``connect`` calls)."""
    gsock: Any = sock
    error = gsock._sock.connect_ex(address)
    if error in (errno.EINPROGRESS, errno.EWOULDBLOCK):
        gsock._wait(gsock._write_event)
        error = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if error and error != errno.EISCONN:
        raise OSError(error, os.strerror(error))


def _literal_address(hostname: str, port: int) -> list[tuple[int, tuple]] | None:
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, hostname)
        except OSError:
            continue
        return [(family, (hostname, port))]
    return None


def _read_head(sock: socket.socket, progress: _Progress) -> tuple[bytes, bytes]:
    """The response head (status line and headers) and whatever followed it in the same reads.
    Each ``recv`` waits until the socket is readable first (a response is never there the moment
    the request left); ``progress`` tells the handshake's timer that a response began."""
    gsock: Any = sock
    received = b""
    while True:
        event = gsock._read_event  # None once the socket is closed
        if event is None:
            raise OSError(errno.EBADF, "the socket was closed")
        gsock._wait(event)
        try:
            chunk = gsock._sock.recv(4096)
        except BlockingIOError:
            continue
        if not chunk:
            raise websocket.WebSocketConnectionClosedException(
                "the server closed the connection during the handshake"
            )
        received += chunk
        progress.phase = "incomplete HTTP response"
        end = received.find(b"\r\n\r\n")
        if end >= 0:
            return received[:end], received[end + 4 :]
        if len(received) > handshake.MAX_RESPONSE_HEAD:
            raise websocket.WebSocketException("handshake response headers too large")
