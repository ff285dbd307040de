"""Behaviour of each plain WebSocket endpoint once the handshake has been accepted.

Each endpoint is `fn(conn, ...)` with its query parameters already parsed and validated (see
`routes.py`); it returns when the connection is over. Peer disappearance shows up as
`conn.receive()` returning None or `conn.send()` returning False, never as an exception.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from typing import Any

import gevent
import gevent.socket
from gevent.event import Event
from gevent.queue import Queue

from .connection import Connection, Frame
from .outbox import Outbox, SlowConsumerPolicy
from .rooms import Rooms

CLOSE_WAIT_S = 1.0
_STOP = object()
_FEED_REPLIES = {"subscribe": "subscribed", "unsubscribe": "unsubscribed"}


def echo(conn: Connection, delay_ms: float = 0.0) -> None:
    """Send every frame back unchanged; with a delay, each reply leaves `delay_ms` after arrival."""
    if delay_ms <= 0:
        while (frame := conn.receive()) is not None:
            if not conn.send(frame):
                return
        return
    # A writer greenlet keeps the reply times exact when the client pipelines frames.
    delay = delay_ms / 1000.0
    pending: Queue = Queue()
    writer = gevent.spawn(_send_when_due, conn, pending)
    try:
        while (frame := conn.receive()) is not None:
            pending.put((time.monotonic() + delay, frame))
        pending.put(_STOP)
        writer.join(timeout=delay + CLOSE_WAIT_S)
    finally:
        writer.kill(block=False)


def _send_when_due(conn: Connection, pending: Queue) -> None:
    while (item := pending.get()) is not _STOP:
        due, frame = item
        gevent.sleep(max(0.0, due - time.monotonic()))
        if not conn.send(frame):
            return


def room(conn: Connection, rooms: Rooms, name: str) -> None:
    """Broadcast every frame to all members, sender included; JSON objects get `server_ts`."""
    members = rooms.join(name, conn)
    try:
        while (frame := conn.receive()) is not None:
            outgoing = _stamp(frame) if isinstance(frame, str) else bytes(frame)
            for member in list(members):
                member.send(outgoing)  # a dead member just fails its own send
    finally:
        rooms.leave(name, conn)


def _stamp(text: str) -> str:
    try:
        message = json.loads(text)
    except ValueError:
        return text
    if not isinstance(message, dict):
        return text
    message["server_ts"] = time.time() * 1000
    return json.dumps(message)


def feed(
    conn: Connection, rate: float, pad: int = 0, slow_consumer: SlowConsumerPolicy | None = None
) -> None:
    """Serve subscribe/unsubscribe requests; each subscription pushes stamped messages at `rate`/s,
    each with `pad` bytes of padding, through an `Outbox` unless the slow-consumer policy is to block."""
    subscriptions: dict[str, tuple[Event, gevent.Greenlet[..., None]]] = {}
    outbox = None
    if slow_consumer is not None and slow_consumer.action != "block":
        outbox = Outbox(conn, slow_consumer, conn.stats)
    push = outbox.push if outbox is not None else conn.send
    padding = "x" * pad
    try:
        while (frame := conn.receive()) is not None:
            request = _parse_request(frame)
            op, topic = request.get("op"), request.get("topic")
            if not (isinstance(op, str) and op in _FEED_REPLIES and isinstance(topic, str)):
                error = 'expected {"op": "subscribe"|"unsubscribe", "topic": str}'
                if not _reply(conn, request, {"op": "error", "error": error}):
                    return
                continue
            if op == "unsubscribe" and topic in subscriptions:
                # Let the pusher finish its current frame rather than killing it mid-write.
                subscriptions.pop(topic)[0].set()
            # Reply before starting the pusher so "subscribed" precedes the first push.
            if not _reply(conn, request, {"op": _FEED_REPLIES[op], "topic": topic}):
                return
            if op == "subscribe" and topic not in subscriptions:
                stop = Event()
                pusher = gevent.spawn(_push, push, topic, 1.0 / rate, stop, padding)
                subscriptions[topic] = (stop, pusher)
    finally:
        gevent.killall([pusher for _, pusher in subscriptions.values()], block=False)
        if outbox is not None:
            outbox.stop()


def _parse_request(frame: Frame) -> dict[str, Any]:
    try:
        request = json.loads(frame)
    except ValueError:
        return {}
    return request if isinstance(request, dict) else {}


def _reply(conn: Connection, request: dict[str, Any], reply: dict[str, Any]) -> bool:
    """Send ``reply`` with the request's ``id``, if it had one, so that clients can correlate the
    answer as a request/reply; False if the peer is gone."""
    if "id" in request:
        reply["id"] = request["id"]
    return conn.send(json.dumps(reply))


def _push(send: Callable[[Frame], bool], topic: str, interval: float, stop: Event, padding: str) -> None:
    # Scheduled from the start time, so the rate does not drift with send latency.
    start = time.monotonic()
    seq = 0
    while not stop.is_set():
        seq += 1
        message: dict[str, Any] = {"topic": topic, "seq": seq, "server_ts": time.time() * 1000}
        if padding:
            message["pad"] = padding
        if not send(json.dumps(message)):
            return
        stop.wait(max(0.0, start + seq * interval - time.monotonic()))


def close(conn: Connection, code: int, reason: str, after_ms: float) -> None:
    """Close with the requested code and reason after `after_ms`."""
    gevent.sleep(after_ms / 1000.0)
    conn.ws.close_and_wait(code, reason, CLOSE_WAIT_S)


def silent(conn: Connection, hold: float) -> None:
    """Never answer anything (so pings get no pong) until the client leaves or `hold` s pass.

    The raw TCP bytes are read and discarded without parsing frames: that blocks cheaply and still
    notices when the client goes away.
    """
    gevent.with_timeout(hold, _discard_until_closed, conn.ws.handler.socket, timeout_value=None)


def _discard_until_closed(sock: gevent.socket.socket) -> None:
    with contextlib.suppress(OSError):
        while sock.recv(4096):
            pass
