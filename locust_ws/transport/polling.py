"""``PollingTransport``: Engine.IO v4 long-polling behind the small part of websocket-client's
``WebSocket`` surface that ``WebSocketConnection`` uses.

With it, ``SocketIOSession(transports=["polling"])`` runs over HTTP through the very same reader
greenlet, heartbeat watchdog, reconnect and reporting as over a WebSocket, instead of a second
client. Each Engine.IO packet becomes one frame: a long-poll ``GET`` returns a payload of packets
(``\\x1e``-separated, binary ones base64 with a ``b`` prefix) that ``read`` hands out as the
frames of that poll; ``send`` is one ``POST`` per frame. POSTs are serialized, as
Engine.IO servers refuse overlapping ones. Sizes reported for packets are the packets' own, without
HTTP overhead.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import gevent
import requests
import websocket
from engineio import packet as eio
from gevent.lock import Semaphore

from ..errors import ConnectError, ConnectTimeout, HandshakeRejected
from ..protocol.frames import OPCODE_BINARY, OPCODE_CLOSE, OPCODE_TEXT, Frame, close_payload

_HTTP_SCHEMES = {"ws": "http", "wss": "https"}
_CONTENT_TYPE = {"Content-Type": "text/plain;charset=UTF-8"}
_NORMAL_CLOSE: Frame = (OPCODE_CLOSE, close_payload(1000))


class PollingTransport:
    """One Engine.IO long-polling session (``sid``) on its own HTTP connection pool."""

    def __init__(self, http: requests.Session, url: str, packets: list[eio.Packet], timeout: float) -> None:
        opening = packets[0] if packets else None
        if opening is None or opening.packet_type != eio.OPEN or not isinstance(opening.data, dict):
            http.close()
            raise ConnectError("handshake failed: no Engine.IO open packet in the polling response")
        self._http = http
        self._url = f"{url}&sid={opening.data.get('sid', '')}"
        self._post_timeout = timeout
        self._frames: list[Frame] = [_frame(packet) for packet in packets]
        self._post_lock = Semaphore()
        self._poller: gevent.Greenlet | None = None  # the greenlet waiting in a poll, if any
        self._closed = False
        self._closing = False

    @classmethod
    def open(cls, url: str, options: dict[str, Any]) -> PollingTransport:
        """The handshake ``GET`` on ``url`` (a ``ws(s)://`` URL with ``transport=polling``) with the
        headers, timeout and TLS options ``WebSocketConnection`` prepared for a WebSocket."""
        http = requests.Session()
        headers = options.get("header") or {}
        http.headers.update(dict(headers) if isinstance(headers, dict) else _header_lines(headers))
        sslopt = options.get("sslopt") or {}
        if sslopt.get("cert_reqs") == 0:  # ssl.CERT_NONE, as RealtimeUser.insecure sets it
            http.verify = False
        timeout = options["timeout"]
        parts = urlsplit(url)
        http_url = urlunsplit((_HTTP_SCHEMES.get(parts.scheme, parts.scheme), *parts[1:]))
        try:
            response = http.get(http_url, timeout=timeout)
        except requests.Timeout:
            http.close()
            raise ConnectTimeout(timeout) from None
        except requests.ConnectionError as error:
            http.close()
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

    def read(self) -> list[Frame]:
        """The buffered packets as frames, or those of the next long-poll. The server's Engine.IO
        close packet (or our own close completing) reads as a normal close frame."""
        while not self._frames:
            if self._closed:
                raise websocket.WebSocketConnectionClosedException("polling transport closed")
            self._poller = gevent.getcurrent()
            try:
                # No timeout: the heartbeat watchdog shuts a silent session down, which ends this.
                response = self._http.get(self._url)
            except (requests.RequestException, OSError) as error:
                raise websocket.WebSocketConnectionClosedException(f"poll failed: {error}") from None
            finally:
                self._poller = None
            if response.status_code != 200 or (self._closing and not response.text):
                if self._closing:
                    return [_NORMAL_CLOSE]
                raise websocket.WebSocketConnectionClosedException(
                    f"poll answered HTTP {response.status_code} {response.reason}"
                )
            try:
                packets = _decode_payload(response.text)
            except ValueError as error:
                raise websocket.WebSocketConnectionClosedException(
                    f"bad Engine.IO payload: {error}"
                ) from None
            self._frames = [_frame(packet) for packet in packets]
        frames, self._frames = self._frames, []
        return frames

    def send(self, payload: bytes, opcode: int = OPCODE_TEXT) -> int:
        """POST one packet: a text frame as is, a binary one as base64 with the ``b`` prefix."""
        if opcode == OPCODE_BINARY:
            body = "b" + base64.b64encode(payload).decode("ascii")
        else:
            body = payload.decode("utf-8")
        with self._post_lock:
            if self._closed:
                raise websocket.WebSocketConnectionClosedException("polling transport closed")
            try:
                response = self._http.post(
                    self._url, data=body.encode("utf-8"), headers=_CONTENT_TYPE, timeout=self._post_timeout
                )
            except (requests.RequestException, OSError) as error:
                raise websocket.WebSocketConnectionClosedException(f"POST failed: {error}") from None
        if response.status_code != 200:
            raise websocket.WebSocketConnectionClosedException(
                f"POST answered HTTP {response.status_code} {response.reason}"
            )
        return len(payload)

    def send_close(self, status: int = 1000, reason: str | bytes = b"") -> None:
        """End the Engine.IO session (a close packet); the poll in flight then reads as closed."""
        self._closing = True
        self.send(b"1")

    def settimeout(self, timeout: float | None) -> None:
        """Polls wait as long as the server holds them; the heartbeat watchdog bounds that."""

    def shutdown(self) -> None:
        """Drop the HTTP connections and end a poll in flight (closing a ``requests`` session
        only closes idle connections, so the polling greenlet is interrupted directly)."""
        self._closed = True
        poller = self._poller
        if poller is not None and poller is not gevent.getcurrent():
            poller.kill(
                websocket.WebSocketConnectionClosedException("polling transport shut down"), block=False
            )
        self._http.close()


def _decode_payload(text: str) -> list[eio.Packet]:
    """The packets of a polling payload. Not ``engineio.payload.Payload``: its limit of 16 packets
    guards servers against clients, and a busy server legitimately sends more in one poll."""
    return [eio.Packet(encoded_packet=encoded) for encoded in text.split("\x1e")] if text else []


def _frame(packet: eio.Packet) -> Frame:
    if packet.packet_type == eio.CLOSE:
        return _NORMAL_CLOSE
    if packet.binary:
        return (OPCODE_BINARY, packet.data)
    return (OPCODE_TEXT, packet.encode().encode("utf-8"))


def _header_lines(lines: list[str]) -> dict[str, str]:
    return dict(line.split(":", 1) for line in lines if ":" in line)
