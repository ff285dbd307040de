"""Turns an upgrade request into either an endpoint call or a refusal, before the handshake.

The decision has to be made before gevent-websocket answers 101 (its pre-start hook), so that
refusals (401, /status/<code>, bad parameters) are real HTTP responses to the handshake.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import parse_qs

from . import endpoints
from .auth import TokenStore, token_from_request
from .connection import Connection
from .outbox import SlowConsumerPolicy
from .rooms import Rooms

RESERVED_CLOSE_CODES = frozenset({1004, 1005, 1006, 1015})
MAX_FEED_PAD = 64 * 1024

Endpoint = Callable[[Connection], None]


@dataclass(frozen=True)
class Refusal:
    """An HTTP response that replaces the handshake."""

    status: int
    body: str

    @property
    def status_line(self) -> str:
        return status_line(self.status)


def status_line(code: int) -> str:
    """`"503 Service Unavailable"`, as WSGI's start_response wants it."""
    try:
        phrase = HTTPStatus(code).phrase
    except ValueError:
        phrase = "Unknown"
    return f"{code} {phrase}"


class BadParameter(ValueError):
    """A query parameter that cannot be used; becomes a 400."""


def is_ws_path(path: str) -> bool:
    return path in ("/echo", "/feed", "/close", "/silent") or path.startswith(("/rooms/", "/status/"))


def status_refusal(path: str) -> Refusal:
    """The response for `/status/<code>`: that code, or 400 if it is not a 4xx/5xx number."""
    code = path[len("/status/") :]
    if code.isdigit() and 400 <= int(code) <= 599:
        return Refusal(int(code), f"status {code} as requested\n")
    return Refusal(400, "/status/<code> needs a code between 400 and 599\n")


class Router:
    """Resolves WebSocket paths against the server's shared state."""

    def __init__(
        self,
        tokens: TokenStore,
        rooms: Rooms,
        feed_rate: float,
        slow_consumer: SlowConsumerPolicy | None = None,
    ) -> None:
        self.tokens = tokens
        self.rooms = rooms
        self.feed_rate = feed_rate
        self.slow_consumer = slow_consumer

    def resolve(self, environ: dict) -> Endpoint | Refusal:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/status/"):
            return status_refusal(path)
        if not is_ws_path(path):
            return Refusal(404, "no WebSocket endpoint here\n")
        query = parse_qs(environ.get("QUERY_STRING", ""))
        try:
            return self._endpoint(path, query, environ)
        except BadParameter as exc:
            return Refusal(400, f"{exc}\n")

    def _endpoint(self, path: str, query: dict[str, list[str]], environ: dict) -> Endpoint | Refusal:
        if path == "/echo":
            return functools.partial(endpoints.echo, delay_ms=_number(query, "delay_ms", 0.0))
        if path == "/close":
            code = int(_number(query, "code", 1000))
            if not 1000 <= code <= 4999 or code in RESERVED_CLOSE_CODES:
                raise BadParameter(f"code {code} cannot be sent in a close frame")
            reason = query.get("reason", [""])[0]
            if len(reason.encode("utf-8")) > 123:
                raise BadParameter("reason must fit in 123 bytes")
            return functools.partial(
                endpoints.close, code=code, reason=reason, after_ms=_number(query, "after_ms", 0.0)
            )
        if path == "/silent":
            return functools.partial(endpoints.silent, hold=_number(query, "hold", 60.0))
        # The remaining endpoints need a login.
        if not self.tokens.is_valid(token_from_request(environ, query)):
            return Refusal(401, "missing or invalid token; POST /login first\n")
        if path == "/feed":
            rate = _number(query, "rate", self.feed_rate)
            if rate <= 0:
                raise BadParameter("rate must be > 0")
            pad = int(_number(query, "pad", 0))
            if pad > MAX_FEED_PAD:
                raise BadParameter(f"pad must be at most {MAX_FEED_PAD} bytes")
            return functools.partial(endpoints.feed, rate=rate, pad=pad, slow_consumer=self.slow_consumer)
        name = path[len("/rooms/") :]
        if not name:
            raise BadParameter("room name missing: /rooms/<name>")
        return functools.partial(endpoints.room, rooms=self.rooms, name=name)


def _number(query: dict[str, list[str]], key: str, default: float) -> float:
    if key not in query:
        return default
    try:
        value = float(query[key][0])
    except ValueError:
        raise BadParameter(f"{key} must be a number") from None
    if not math.isfinite(value) or value < 0:
        raise BadParameter(f"{key} must be a finite number >= 0")
    return value
