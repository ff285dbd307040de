"""Message handlers run off the reader: a handler that sleeps stalls neither pongs nor replies."""

from __future__ import annotations

import time

import gevent

from locust_ws import WebSocketSession

from ..conftest import EventLog


def test_a_sleeping_handler_stalls_neither_pongs_nor_replies(environment):
    log = EventLog(environment)
    session = WebSocketSession(
        environment.host, environment.events.request, ping_interval=0.2, pong_timeout=0.6, backoff=None
    )
    handled: list[object] = []

    @session.on_message
    def slow(message):
        gevent.sleep(1.0)  # a blocking REST call in a handler, say
        handled.append(message)

    session.connect("/echo")
    try:
        session.send({"type": "chat", "text": "handled slowly"})  # echoed: not a reply, so handled
        gevent.sleep(0.1)
        started = time.monotonic()
        replies = [session.request({"type": "echo", "n": n}, timeout=2.0) for n in range(5)]
        took = time.monotonic() - started
        gevent.sleep(1.5)  # several heartbeat rounds while the handler still sleeps on later echoes
        assert session.connected
    finally:
        session.close()
    assert all(reply.ok for reply in replies), [reply.error for reply in replies]
    assert took < 0.9, f"round trips waited for the handler: {took:.2f} s"
    assert not log.failures("ping"), log.failures("ping")
    assert log.successes("ping")
    assert handled  # the handler did run, in its own greenlet


def test_handlers_run_in_arrival_order_and_a_raising_one_is_a_failure_entry(environment):
    log = EventLog(environment)
    session = WebSocketSession(environment.host, environment.events.request, ping_interval=0, backoff=None)
    seen: list[int] = []

    @session.on_message
    def record(message):
        if message["n"] == 2:
            raise ValueError("two")
        seen.append(message["n"])

    session.connect("/echo")
    try:
        for n in range(5):
            session.send({"n": n})
        deadline = time.monotonic() + 5
        while len(seen) < 4 and time.monotonic() < deadline:
            gevent.sleep(0.02)
    finally:
        session.close()
    assert seen == [0, 1, 3, 4]
    [failure] = log.failures("handler record")
    assert str(failure.exception) == "handler record raised ValueError: two"
