"""Frame payloads to Python values and back, correlation ids and latency stamps.

Pure functions and small classes with no sockets and no gevent, so the rules that decide what is a
reply, what is fan-out and what is server push can be unit-tested on their own.
"""

from __future__ import annotations

import itertools
import json
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Any

from .frames import OPCODE_BINARY, OPCODE_TEXT

CorrelationKey = str | Callable[[Any], Hashable | None]


def _compact_encoder() -> Callable[[Any], str]:
    """``json.dumps(value, separators=(",", ":"))`` without its per-call cost: ``dumps`` builds a
    ``JSONEncoder`` and the encoder its C scanner for every value. Built once here (the C
    accelerator when this Python has it; the same output either way)."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return json.JSONEncoder(separators=(",", ":")).encode
    # the arguments JSONEncoder.iterencode passes for the defaults (ensure_ascii, allow_nan)
    scan = make(
        None,
        json.JSONEncoder().default,
        json.encoder.encode_basestring_ascii,
        None,
        ":",
        ",",
        False,
        False,
        True,
    )

    def encode(value: Any) -> str:
        if isinstance(value, str):
            return json.encoder.encode_basestring_ascii(value)
        return "".join(scan(value, 0))

    return encode


compact_json = _compact_encoder()
"""``json.dumps(value, separators=(",", ":"))``, the encoding of every JSON frame we send."""


def wall_ms() -> float:
    """Wall-clock time in milliseconds since the epoch, as a float (sub-millisecond precision).

    Fan-out and server-push latencies subtract a timestamp taken by another process, so they need the
    shared wall clock, not ``perf_counter``."""
    return time.time() * 1000.0


def encode(data: Any) -> tuple[bytes, int]:
    """Turn a value into frame payload bytes and an opcode: dicts and lists become compact JSON text,
    ``str`` becomes UTF-8 text and bytes-like values go out as binary frames. Returning bytes lets
    the caller count the exact payload size without encoding twice."""
    if isinstance(data, str):
        return data.encode("utf-8"), OPCODE_TEXT
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data), OPCODE_BINARY
    return compact_json(data).encode("utf-8"), OPCODE_TEXT


def decode(opcode: int, payload: bytes) -> Any:
    """Turn an inbound frame into a value: JSON objects and arrays are parsed, other text stays
    ``str``, binary frames stay ``bytes``. Text that only looks like JSON is returned as text."""
    if opcode != OPCODE_TEXT:
        return payload
    text = payload.decode("utf-8")
    if text.startswith(("{", "[")):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


class Correlator:
    """Matches replies to requests.

    ``key`` is either the name of a JSON field or a callable. With a field (``"id"``), outgoing
    dicts without one get ``prefix`` plus a counter; the prefix keeps ids unique across clients,
    since a room broadcast delivers one client's request to everybody. A callable extracts the id
    from any message, outgoing or inbound, and returns ``None`` for messages that are not replies.
    """

    def __init__(self, key: CorrelationKey = "id", prefix: str = "") -> None:
        self.key = key
        self._prefix = prefix
        self._ids = itertools.count(1)

    def id_of(self, message: Any) -> Hashable | None:
        """The correlation id carried by ``message``, or ``None``."""
        if callable(self.key):
            return self.key(message)
        if isinstance(message, dict):
            return message.get(self.key)
        return None

    def stamp(self, payload: Any) -> tuple[Any, Hashable]:
        """Return ``(payload, id)``, adding a fresh id to a dict payload that has none."""
        if isinstance(self.key, str) and isinstance(payload, dict) and self.key not in payload:
            payload = {**payload, self.key: f"{self._prefix}{next(self._ids)}"}
        correlation_id = self.id_of(payload)
        if correlation_id is None:
            raise ValueError(
                f"cannot correlate this payload: it carries no {self._describe()} "
                "(send a dict, or set `correlation` to a callable that extracts the id)"
            )
        return payload, correlation_id

    def _describe(self) -> str:
        return f"{self.key!r} field" if isinstance(self.key, str) else "id the correlation callable finds"


class ExpiredIds:
    """Remembers the ids of requests that timed out, so a reply arriving late is recognised and
    counted instead of being mistaken for an unsolicited message. Bounded: old ids fall out."""

    __slots__ = ("_limit", "_names")

    def __init__(self, limit: int = 10_000) -> None:
        self._names: OrderedDict[Hashable, str] | None = None  # made for the first timeout
        self._limit = limit

    def add(self, correlation_id: Hashable, name: str) -> None:
        if self._names is None:
            self._names = OrderedDict()
        self._names[correlation_id] = name
        if len(self._names) > self._limit:
            self._names.popitem(last=False)

    def __len__(self) -> int:
        return 0 if self._names is None else len(self._names)

    def pop(self, correlation_id: Hashable) -> str | None:
        """The request name of a timed-out id (forgetting it), or ``None`` if it never timed out."""
        return None if self._names is None else self._names.pop(correlation_id, None)


def stamped_latencies(
    message: dict[str, Any], own_id: str, client_ts_key: str, server_ts_key: str, sender_key: str
) -> tuple[float | None, float | None]:
    """The latencies a stamped inbound message proves, in milliseconds: ``(fanout, push)``, the
    fan-out latency when another client stamped it with ``client_ts`` and the server-push latency
    when the server stamped it with ``server_ts``, each ``None`` when the message does not prove it
    (our own copy of a message we stamped proves no fan-out). Clock steps backwards read as 0,
    never negative."""
    sent = message.get(client_ts_key)
    pushed = message.get(server_ts_key)
    if sent is None and pushed is None:
        return _UNSTAMPED
    now = wall_ms()
    fanout = None
    if isinstance(sent, (int, float)) and message.get(sender_key) != own_id:
        fanout = max(now - sent, 0.0)
    push = max(now - pushed, 0.0) if isinstance(pushed, (int, float)) else None
    return fanout, push


_UNSTAMPED: tuple[None, None] = (None, None)


def stamp_for_fanout(payload: Mapping[str, Any], sender: str, ts_key: str, sender_key: str) -> dict[str, Any]:
    """Copy ``payload`` with a send timestamp and the sender's id, so the users who receive it can
    report client -> server -> client latency and the sender can recognise its own copy."""
    return {**payload, ts_key: wall_ms(), sender_key: sender}
