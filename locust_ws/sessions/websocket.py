"""``WebSocketSession``: one WebSocket connection carrying plain messages (JSON, text, binary), and
every measurement taken on it.

The connection machinery (reader greenlet, heartbeat, close codes, reconnect) lives in
``WebSocketConnection``; this module adds what plain messages mean. The reader hands every inbound
frame to ``_on_data``, which counts it and routes it: to the request waiting for that correlation
id, to ``wait_for`` callers, to the user's handlers, and to the fan-out / server-push latency
checks. Every measurement leaves as a Locust ``request`` event with ``request_type="WS"`` and a
response time in float milliseconds.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from time import perf_counter
from typing import Any, Literal, overload

from locust.event import EventHook

from ..errors import ConnectionClosed, PayloadError
from ..protocol.deflate import CompressionSetting
from ..protocol.messages import CorrelationKey, Correlator, decode, encode, stamp_for_fanout
from .connection import Predicate, WebSocketConnection, encoded, send_timing
from .events import Kind
from .replies import CaughtReply, Reply

MessageHandler = Callable[[Any], None]


class WebSocketSession(WebSocketConnection):
    """One WebSocket connection that reports to Locust. ``WebSocketUser`` creates it as
    ``self.client``; it can also be built directly for extra connections per user.

    Rows it adds to the stats (request type ``WS``; times in milliseconds):

    - ``connect <path>``: handshake time, from TCP connect to the verified 101 response.
    - ``<name>`` of ``request()``: round trip from sending to receiving the correlated reply.
    - ``send``: fire-and-forget frames, timed: the time spent writing the frame.
    - Every inbound message that is not a reply lands on exactly one row: ``fanout`` when another
      client stamped it (``client_ts``, sender to us), else ``server push`` when the server did
      (``server_ts``, server to us), else ``recv`` (no response time).
    - Sizes are payload bytes.
    - ``ping``: heartbeat ping to pong; ``close <path>``: close handshake or close code.
    """

    __slots__ = ("__dict__", "__weakref__", "_correlator", "_handlers")

    request_type = "WS"

    def __init__(
        self,
        base_url: str | None,
        request_event: EventHook,
        user: Any = None,
        *,
        correlation: CorrelationKey = "id",
        **options: Any,
    ) -> None:
        """``correlation`` is the JSON key (or callable) pairing replies with requests; ``options``
        are ``WebSocketConnection``'s (timeouts, heartbeat, stamp keys, reconnect, TLS)."""
        super().__init__(base_url, request_event, user, **options)
        self._correlator = Correlator(correlation, prefix=f"{self.client_id}-")
        self._handlers: list[MessageHandler] = []

    def connect(
        self,
        path_or_url: str = "",
        *,
        headers: Mapping[str, str] | Sequence[str] | None = None,
        subprotocols: Sequence[str] | None = None,
        query: Mapping[str, object] | None = None,
        name: str | None = None,
        compression: CompressionSetting = None,
        tags: Mapping[str, object] | None = None,
    ) -> None:
        """Open the connection and report the handshake as ``connect <path>`` (or ``name``).

        ``path_or_url`` is relative to the user's host or a full ``ws://``/``wss://`` URL; ``query``
        is appended to it. Anything but a verified ``101 Switching Protocols`` is a failure entry
        and raises a ``ConnectError`` (which Locust treats as "end this task, wait, go on").
        ``compression="deflate"`` (or a ``DeflateOptions``, or a dict of its fields) offers
        permessage-deflate (default: the session's ``compression``; ``False``: off); whether the
        server agreed shows in ``extensions``. ``tags`` replace the session's ``tags`` first, so
        the handshake and every later event carry them."""
        if tags is not None:
            self.tags = tags
        self._connect(
            {
                "path_or_url": path_or_url,
                "headers": headers,
                "subprotocols": subprotocols,
                "query": query,
                "name": name,
                "compression": compression,
            }
        )

    # -- sending ----------------------------------------------------------------------------

    def send(
        self, data: Any, *, name: str = "send", stamp: bool = False, tags: Mapping[str, object] | None = None
    ) -> int:
        """Send one frame without waiting for anything; return its payload size in bytes;
        reported as ``name``, timed by the write (ms).

        Dicts and lists go as JSON text, ``str`` as text, bytes as binary. ``stamp=True`` adds
        ``client_ts`` and ``sender`` to a dict, so that users receiving it report ``fanout``. A
        value that cannot be encoded is a failure ``cannot encode payload: ...`` and raises a
        ``PayloadError`` that ends the task quietly; nothing is sent. ``tags`` go on its event,
        merged over the session's."""
        call_tags = self._report.merged(tags) if tags else None
        ws = self._open_connection(name)
        payload, opcode = self._encoded_send(
            name, lambda: encode(self._stamp(data) if stamp else data), call_tags
        )
        try:
            send_ms, blocked = self._send_frame(ws, payload, opcode)
        except ConnectionClosed as error:
            self._report.fire(Kind.SEND, name, None, 0, error, call_tags)
            raise
        timing = send_timing(send_ms, blocked)
        self._report.fire(Kind.SEND, name, send_ms, len(payload), None, call_tags, **timing)
        return len(payload)

    @overload
    def request(
        self,
        payload: Any,
        *,
        name: str = ...,
        timeout: float | None = ...,
        stamp: bool = ...,
        catch_response: Literal[False] = ...,
        tags: Mapping[str, object] | None = ...,
    ) -> Reply: ...
    @overload
    def request(
        self,
        payload: Any,
        *,
        name: str = ...,
        timeout: float | None = ...,
        stamp: bool = ...,
        catch_response: Literal[True],
        tags: Mapping[str, object] | None = ...,
    ) -> CaughtReply: ...
    @overload
    def request(
        self,
        payload: Any,
        *,
        name: str = ...,
        timeout: float | None = ...,
        stamp: bool = ...,
        catch_response: bool,
        tags: Mapping[str, object] | None = ...,
    ) -> Reply: ...
    def request(
        self,
        payload: Any,
        *,
        name: str = "request",
        timeout: float | None = None,
        stamp: bool = False,
        catch_response: bool = False,
        tags: Mapping[str, object] | None = None,
    ) -> Reply:
        """Send ``payload`` and wait for the reply carrying the same correlation id.

        The round trip is reported as ``name``; no reply within ``timeout`` seconds (default
        ``reply_timeout``) is a failure ``no reply within N s``, and a reply arriving after that is
        counted in ``late_replies``. ``stamp`` works as in ``send``. With ``catch_response=True``
        the result is a context manager and the locustfile decides success or failure before it
        is reported. A payload that cannot be correlated or encoded is a failure and nothing is
        sent. ``tags`` go on its event, merged over the session's."""
        call_tags = self._report.merged(tags) if tags else None
        ws = self._open_connection(name)
        reply = Reply(name)
        try:
            payload, correlation_id = self._correlator.stamp(self._stamp(payload) if stamp else payload)
            frame, opcode = encoded(lambda: encode(payload))
        except (ValueError, PayloadError) as error:
            reply.error = error
            return self._finish(reply, catch_response, sent_bytes=None, call_tags=call_tags)
        return self._round_trip(
            reply,
            correlation_id,
            lambda budget: (len(frame), *self._send_frame(ws, frame, opcode, budget)),
            timeout,
            catch_response,
            call_tags=call_tags,
        )

    def _stamp(self, data: Any) -> dict:
        """``data`` with the fan-out stamp, or a ``PayloadError``: only a dict can carry it."""
        if not isinstance(data, Mapping):
            raise PayloadError(f"cannot stamp a {type(data).__name__} payload: stamp=True needs a dict")
        return stamp_for_fanout(data, self.client_id, self.client_ts_key, self.sender_key)

    # -- receiving --------------------------------------------------------------------------

    def on_message(self, handler: MessageHandler) -> MessageHandler:
        """Register ``handler(message)`` for every inbound message that is not a reply. Handlers run
        in the session's handler greenlet, in arrival order, never in the reader: a handler that
        sleeps delays the handlers after it, not pongs, replies or latency stamps. An exception
        becomes a failure entry ``handler <name>`` and the next message is handled as usual.
        Usable as a decorator."""
        self._handlers.append(handler)
        return handler

    def wait_for(
        self,
        predicate: Predicate | None = None,
        timeout: float | None = None,
        *,
        name: str | None = None,
        tags: Mapping[str, object] | None = None,
    ) -> Any:
        """Wait for the next inbound message (that is not a reply) for which ``predicate`` is true
        and return it, or ``None`` after ``timeout`` seconds. With ``name`` the wait is reported as
        a request: time until the match, or a failure ``no matching message within N s``; with
        ``tags`` over the session's."""
        return self._wait(predicate, timeout, name, tags)

    def _on_data(self, opcode: int, payload: bytes) -> None:
        received_at = perf_counter()
        length = len(payload)
        self.messages_in += 1
        self.bytes_in += length
        message = decode(opcode, payload)
        if self._pending or self._expired or self._cut_off:
            correlation_id = self._correlation_id(message)
            if correlation_id is not None and self._resolve(correlation_id, message, received_at, length):
                return
        self._report_inbound(message, "recv", length)
        if self._handlers:
            self._handler_jobs.submit(functools.partial(self._run_handlers, message))
        if self._waiters:
            self._wake_waiters(message, received_at, length)

    def _run_handlers(self, message: Any) -> None:
        """In the handler greenlet: every ``on_message`` handler, in registration order."""
        for handler in self._handlers:
            self._handler_jobs.run_handler(handler, (message,))

    def _correlation_id(self, message: Any) -> Any:
        try:
            return self._correlator.id_of(message)
        except Exception:  # noqa: BLE001 - a correlation callable that cannot read this message
            return None
