"""What a session's ``request`` events tell the metrics: the contract between ``sessions`` and ``metrics``.

Locust's ``request`` event has a free-form ``context`` dict. Every event a locust-ws session fires
(``reporter.Reporter.fire``) puts its ``Kind`` there under ``ws_kind``, and some kinds add a
measurement of their own; ``EventContext`` names those keys. The metrics layer
(``metrics.collector``) classifies events by kind, never by row name, which a locustfile may rename
(``name=``); an event without ``ws_kind`` (HTTP, other plugins) is none of ours.

Data flows one way: sessions write this contract and the metrics read it; neither end is imported
here (no sockets, no gevent, no Locust), so both sides, and their tests, depend on this module alone.
``Kind`` is a ``str`` enum: ``"connect"`` and ``Kind.CONNECT`` compare, hash, format and serialise
(JSON, msgpack) alike, so a session still firing plain strings and a worker report decoded on the
master land on the same rows as the members.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import NamedTuple, TypedDict

Tags = tuple[tuple[str, str], ...]
"""An event's tags, as k6 has them (``{"feed": "orders"}``): ``(key, value)`` pairs sorted by key,
so equal tags are one hashable key of the metrics' per-tag rows."""
MAX_TAGS = 16
"""Tags one event may carry."""
MAX_TAG_LENGTH = 200
"""Characters of a tag key or value: tags are labels (``feed``, ``orders``), not payloads."""


def make_tags(tags: Mapping[str, object]) -> Tags:
    """``tags`` as ``Tags``: string keys, values as text (``{"shard": 3}`` is ``shard:3``); raises
    ``ValueError`` for what no selector could name (an empty key, ``{}:,`` in a key, too many or
    too long), ``TypeError`` for a mapping that is none or a key that is no string."""
    if not isinstance(tags, Mapping):
        raise TypeError(f"tags must be a mapping of names to values, not {type(tags).__name__}")
    if len(tags) > MAX_TAGS:
        raise ValueError(f"{len(tags)} tags: at most {MAX_TAGS}")
    pairs = []
    for key, value in tags.items():
        if not isinstance(key, str):
            raise TypeError(f"tag name {key!r} is no string")
        text = str(value)
        if not key or any(mark in key for mark in "{}:,") or key != key.strip():
            raise ValueError(f"tag name {key!r}: non-empty, no spaces around it, none of {{ }} : ,")
        if len(key) > MAX_TAG_LENGTH or len(text) > MAX_TAG_LENGTH or any(mark in text for mark in "{},"):
            raise ValueError(f"tag {key}: at most {MAX_TAG_LENGTH} characters each, no {{ }} , in a value")
        pairs.append((key, text))
    return tuple(sorted(pairs))


class Kind(str, enum.Enum):
    """What one ``request`` event measures. Its response time is in milliseconds; ``None`` (no
    time) for kinds that are only counted."""

    CONNECT = "connect"
    """A connection attempt: the handshake (Socket.IO: one per connection, up to the last
    namespace's answer); a success opens one connection, a failure counts as a failed
    handshake."""
    CLOSE = "close"
    """The end of an open connection: our close handshake, or no time when the server closed it
    or it was lost; ``close_code`` says how it ended."""
    NAMESPACE = "namespace"
    """A Socket.IO namespace joined on a connection that is opening: from the start of the
    connection to the server's answer to its ``CONNECT``; a failure when refused or unanswered."""
    DISCONNECT = "disconnect"
    """The end of a joined Socket.IO namespace: our ``DISCONNECT`` (timed by the close), the
    server's, or its connection's end."""
    SEND = "send"
    """A frame sent without waiting (``send``, ``emit``), timed: the milliseconds spent writing it
    (also ``send_ms``), which grow under backpressure; its length is the bytes sent. A failure,
    no time, when nothing could be sent."""
    RECV = "recv"
    """An inbound message that answers no request and carries no stamp, no time; its length is
    the bytes received."""
    REQUEST = "request"
    """A round trip (``request``, ``call``) until its reply or ack; the length is the reply's
    bytes, ``sent_bytes`` and ``send_ms`` describe the request frame."""
    LATE_REPLY = "late_reply"
    """A reply that came after its request had timed out, no time."""
    FANOUT = "fanout"
    """Another client's stamped message reaching us: sender -> server -> us (``client_ts``); its
    length is the bytes received. A server stamp it also carries is its ``push`` context."""
    PUSH = "push"
    """A server-stamped message reaching us: server -> us (``server_ts``); its length is the
    bytes received."""
    PING = "ping"
    """A WebSocket ping answered by its pong; a failure when no pong came in time."""
    HEARTBEAT = "heartbeat"
    """A Socket.IO server ping, timed since the previous one; a failure when one is missed."""
    WAIT = "wait"
    """A named ``wait_for``: the time until the matching message, or a failure at the timeout."""
    HANDLER = "handler"
    """A message handler that raised: a failure, no time."""
    RECONNECT = "reconnect"
    """A lost connection reopened in the background, timed from the loss; a failure when the
    reconnect loop gave up."""
    RESUBSCRIBE = "resubscribe"
    """A reopened connection made whole again: its ``on_connect`` hooks (and Socket.IO's room
    rejoins) done, timed from the loss; a failure when a hook raised or a rejoin was refused."""
    CUT_OFF = "cut_off"
    """A round trip whose request was sent but whose caller was stopped (the run ended, a
    ramp-down, its own ``gevent.Timeout``) and whose reply never came before the connection
    ended; no time, not a failure. Under the request's name, with ``sent_bytes`` and ``send_ms``:
    one message sent. (A reply that does come is the round trip's ``request`` event.)"""
    CLOSED_RECONNECTING = "closed_reconnecting"
    """A connection closed while it was down and being reopened in the background, typically by
    its user stopping mid-backoff at the end of the run; no time, not a failure."""

    # str's own, as StrEnum (Python 3.11+) has them: rows and reports show "connect", not
    # "Kind.CONNECT", on every supported Python.
    def __str__(self) -> str:
        return str.__str__(self)

    def __format__(self, format_spec: str) -> str:
        return str.__format__(self, format_spec)


class Compression(NamedTuple):
    """What permessage-deflate did on one connection since the previous event of its session:
    the messages it compressed (out) and inflated (in), their payload bytes, their compressed bytes
    on the wire (frame payloads, headers not counted) and the CPU nanoseconds zlib took. The counts
    ride on whichever event the session fires next, so their sums are exact, not their split
    between events."""

    messages_in: int
    payload_in: int
    wire_in: int
    inflate_ns: int
    messages_out: int
    payload_out: int
    wire_out: int
    deflate_ns: int


class Push(NamedTuple):
    """The server-push latency of a message reported under another row (``fanout``)."""

    name: str
    """The push row it belongs to: ``server push``, or ``server push (slow reader)``."""
    ms: float
    """Milliseconds from the server's ``server_ts`` to its arrival."""


class EventContext(TypedDict, total=False):
    """The keys of a session event's ``context``, besides whatever ``User.context()`` adds."""

    ws_kind: Kind
    """On every event of a locust-ws session (set by ``Reporter.fire``)."""
    close_code: int | None
    """``close`` events: the close code that ended the connection (the server's, ours, or 1006
    when it was lost); Socket.IO's ``disconnect`` of a namespace by the server has none."""
    send_ms: float
    """``send``, ``request`` and ``cut_off`` events: milliseconds spent writing the frame, which grow under
    backpressure (the server reads slower than we write)."""
    blocked_ms: float
    """``send``, ``request`` and ``cut_off`` events whose frame could not be written at once (the
    socket buffer was full, or frames before it were still being written): the milliseconds
    spent writing it. Absent when the send did not block."""
    push: Push
    """``fanout`` events whose message the server stamped too: its server-push latency, which
    our own push histogram keeps (Locust counts the message once, under ``fanout``)."""
    sent_bytes: int | None
    """``request`` and ``cut_off`` events: the size of the request frame, ``None`` when it never
    left. A ``request`` event without the key counts as one message sent of unknown size."""
    namespace: str
    """Socket.IO events: the namespace they belong to."""
    tags: Tags
    """Any event of a session with ``tags`` (every event of it: connects, sends, received
    messages, ...) or of a call given ``tags=`` (merged over the session's): what the metrics split
    their per-tag rows by. Absent for an untagged event, which costs nothing more; a ``tags`` key of
    ``User.context()`` is dropped, never taken for these."""
    compression: Compression
    """Any event of a connection that negotiated permessage-deflate, when its codec has compressed
    or inflated a message since the session's previous event."""


def request_sent_bytes(context: EventContext) -> int | None:
    """The payload bytes a ``request`` event's frame put on the wire, for every listener that
    counts traffic: ``None`` when the request never left (``sent_bytes`` is ``None``), 0 when the
    session does not say (one message of unknown size)."""
    if "sent_bytes" not in context:
        return 0
    return context["sent_bytes"]
