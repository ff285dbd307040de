"""``PollingTransport``: Engine.IO v4 long-polling behind the ``Transport`` surface (``wire.py``)
that ``WebSocketConnection`` uses.

With it, ``SocketIOSession(transports=["polling"])`` runs over HTTP through the very same reader
greenlet, heartbeat watchdog, reconnect and reporting as over a WebSocket, instead of a second
client. Each Engine.IO packet becomes one protocol event: a long-poll ``GET`` returns a payload of
packets (``\\x1e``-separated, binary ones base64 with a ``b`` prefix) that ``read`` hands out as
that poll's ``Message`` events (a close packet or a failed poll as the ``Closed`` that ends it);
``send`` is one ``POST`` per frame. POSTs are serialized, as
Engine.IO servers refuse overlapping ones. Sizes reported for packets are the packets' own, without
HTTP overhead.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import gevent
import greenlet
import requests
import websocket
from engineio import packet as eio
from gevent.lock import Semaphore

from ..errors import ConnectError, ConnectTimeout, HandshakeRejected
from ..protocol.connection import Closed, Event, Initiator, Message
from ..protocol.frames import OPCODE_BINARY, OPCODE_TEXT
from .reading import Deliver, End, GreenletReading, Reading
from .sources import SourceAddressAdapter, source_failure
from .wire import SendTimeout

_HTTP_SCHEMES = {"ws": "http", "wss": "https"}
_CONTENT_TYPE = {"Content-Type": "text/plain;charset=UTF-8"}


class _Interrupted(Exception):
    """Thrown into a poll in flight by ``shutdown``."""


class PollingTransport:
    """One Engine.IO long-polling session (``sid``) on its own HTTP connection pool."""

    deflate = None
    """HTTP bodies, not WebSocket frames: permessage-deflate never applies."""

    def __init__(self, http: requests.Session, url: str, packets: list[eio.Packet], timeout: float) -> None:
        opening = packets[0] if packets else None
        if opening is None or opening.packet_type != eio.OPEN or not isinstance(opening.data, dict):
            http.close()
            raise ConnectError("handshake failed: no Engine.IO open packet in the polling response")
        self._http = http
        self._url = f"{url}&sid={opening.data.get('sid', '')}"
        self._post_timeout = timeout
        self._events: list[Event] = []
        self._post_lock = Semaphore()
        self._poller: greenlet.greenlet | None = None  # the greenlet waiting in a poll, if any
        self._closed = False
        self._closing = False
        self.closed: Closed | None = None
        """How the session ended, once it has."""
        self._events = self._to_events(packets)

    @classmethod
    def open(cls, url: str, options: dict[str, Any]) -> PollingTransport:
        """The handshake ``GET`` on ``url`` (a ``ws(s)://`` URL with ``transport=polling``) with the
        headers, timeout and TLS options ``WebSocketConnection`` prepared for a WebSocket."""
        http = requests.Session()
        if options.get("source_address"):
            for scheme in ("http://", "https://"):
                http.mount(scheme, SourceAddressAdapter(options["source_address"]))
        headers = options.get("header") or {}
        http.headers.update(dict(headers) if isinstance(headers, dict) else _header_lines(headers))
        sslopt = options.get("sslopt") or {}
        if sslopt.get("cert_reqs") == 0:  # ssl.CERT_NONE, as RealtimeUser.insecure sets it
            http.verify = False
        timeout = options["timeout"]
        parts = urlsplit(url)
        http_url = urlunsplit((_HTTP_SCHEMES.get(parts.scheme, parts.scheme), *parts[1:]))
        deadline = gevent.Timeout(timeout)  # one deadline for the whole response: requests' is per read
        try:
            with deadline:
                response = http.get(http_url, timeout=timeout)
        except (requests.Timeout, gevent.Timeout) as error:
            if isinstance(error, gevent.Timeout) and error is not deadline:
                raise
            http.close()
            raise ConnectTimeout(timeout, "no Engine.IO open packet") from None
        except requests.ConnectionError as error:
            http.close()
            source = source_failure(error, options.get("source_address"))
            if source is not None:
                raise source from None
            refused = isinstance(getattr(error, "__context__", None), ConnectionRefusedError) or (
                "refused" in str(error).lower()
            )
            raise ConnectError(
                "connection refused (nothing listening?)" if refused else f"handshake failed: {error}"
            ) from None
        if response.status_code != 200:
            http.close()
            raise HandshakeRejected(response.status_code, response.reason)
        try:
            packets = _decode_payload(response.text)
        except ValueError as error:
            http.close()
            raise ConnectError(f"handshake failed: bad Engine.IO payload ({error})") from None
        return cls(http, http_url, packets, timeout)

    def read(self) -> list[Event]:
        """The buffered packets as events, or those of the next long-poll. The server's Engine.IO
        close packet (or our own close completing) reads as a normal close; a failed poll as the
        connection lost."""
        while not self._events:
            if self._closed:
                return [self.lose("polling transport closed")]
            self._poller = gevent.getcurrent()
            try:
                # No timeout: the heartbeat watchdog shuts a silent session down, which ends this.
                response = self._http.get(self._url)
            except (requests.RequestException, OSError) as error:
                return [self.lose(f"poll failed: {type(error).__name__}")]
            except _Interrupted:
                return [self.lose("polling transport shut down")]
            finally:
                self._poller = None
            if response.status_code != 200 or (self._closing and not response.text):
                if self._closing:
                    return [self._end(Closed(1000, "", Initiator.CLIENT))]
                return [self.lose(f"poll answered HTTP {response.status_code}")]
            try:
                packets = _decode_payload(response.text)
            except ValueError:
                return [self.lose("bad Engine.IO payload")]
            self._events = self._to_events(packets)
        events, self._events = self._events, []
        return events

    def start_reading(self, deliver: Deliver, end: End) -> Reading:
        """Long-polls in a greenlet of its own (``reading.GreenletReading``)."""
        return GreenletReading(self.read, deliver, end)

    def _to_events(self, packets: list[eio.Packet]) -> list[Event]:
        events: list[Event] = []
        for packet in packets:
            if packet.packet_type == eio.CLOSE:
                events.append(
                    self._end(Closed(1000, "", Initiator.CLIENT if self._closing else Initiator.SERVER))
                )
                break
            if packet.binary:
                events.append(Message(OPCODE_BINARY, packet.data))
            else:
                events.append(Message(OPCODE_TEXT, packet.encode().encode("utf-8")))
        return events

    def _end(self, closed: Closed) -> Closed:
        if self.closed is None:
            self.closed = closed
        return self.closed

    def lose(self, reason: str) -> Closed:
        """Give the session up for ``reason``: it ends as lost (1006) unless it had ended."""
        closed = self._end(Closed(1006, reason, Initiator.LOST))
        self.shutdown()
        return closed

    def ping(self, payload: bytes = b"") -> None:
        """Nothing: Engine.IO's heartbeat is its own packets, there are no WebSocket pings."""

    def send(self, payload: bytes, opcode: int = OPCODE_TEXT, timeout: float | None = None) -> bool:
        """POST one packet: a text frame as is, a binary one as base64 with the ``b`` prefix,
        within ``timeout`` seconds when given (else the connect timeout). False: a POST is a
        request of its own, never held back by the frames before it (it never blocked)."""
        if opcode == OPCODE_BINARY:
            body = "b" + base64.b64encode(payload).decode("ascii")
        else:
            body = payload.decode("utf-8")
        with self._post_lock:
            if self._closed:
                raise websocket.WebSocketConnectionClosedException("polling transport closed")
            try:
                response = self._http.post(
                    self._url,
                    data=body.encode("utf-8"),
                    headers=_CONTENT_TYPE,
                    timeout=self._post_timeout if timeout is None else timeout,
                )
            except (requests.RequestException, OSError) as error:
                raise websocket.WebSocketConnectionClosedException(f"POST failed: {error}") from None
        if response.status_code != 200:
            raise websocket.WebSocketConnectionClosedException(
                f"POST answered HTTP {response.status_code} {response.reason}"
            )
        return False

    def send_close(self, status: int = 1000, reason: str = "", timeout: float | None = None) -> None:
        """End the Engine.IO session (a close packet), within ``timeout`` seconds when given
        (``SendTimeout`` after); the poll in flight then reads as closed."""
        self._closing = True
        with gevent.Timeout(timeout, SendTimeout):
            self.send(b"1", timeout=timeout)

    def shutdown(self) -> None:
        """Drop the HTTP connections and end a poll in flight (closing a ``requests`` session
        only closes idle connections, so the polling greenlet is interrupted directly)."""
        self._closed = True
        poller = self._poller
        if poller is not None and poller is not gevent.getcurrent():
            gevent.kill(poller, _Interrupted())
        self._http.close()


def _decode_payload(text: str) -> list[eio.Packet]:
    """The packets of a polling payload. Not ``engineio.payload.Payload``: its limit of 16 packets
    guards servers against clients, and a busy server legitimately sends more in one poll."""
    return [eio.Packet(encoded_packet=encoded) for encoded in text.split("\x1e")] if text else []


def _header_lines(lines: list[str]) -> dict[str, str]:
    return dict(line.split(":", 1) for line in lines if ":" in line)
