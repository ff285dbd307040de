"""Slow consumers against the demo server: a session with a ``receive_rate`` reads no faster than
that and its lag is its own row, and what it sees tells the server's four slow-consumer policies
(``--slow-consumer``) apart: backpressure, drops, a disconnect, a queue without bound."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import gevent
import pytest

from locust_ws import WebSocketSession
from locust_ws.demo import start_demo_process, stop_demo_process
from locust_ws.patterns.slow_consumers import ReaderStats, slow_consumer_verdict

from ..support.demo import fetch_json

PUSH_RATE = 200


PAD_BYTES = 4000


READ_RATE = 50.0


SEND_QUEUE = 10


@pytest.fixture(scope="module", params=["block", "drop", "close", "buffer"])
def feed_server(request) -> Iterator[tuple[str, str]]:
    args = ["--slow-consumer", request.param, "--send-queue", str(SEND_QUEUE), "--send-buffer", "16384"]
    process, url = start_demo_process(args)
    yield request.param, url
    stop_demo_process(process)


def read_feed(url: str, environment, seconds: float, **options) -> tuple[WebSocketSession, ReaderStats]:
    """Subscribe to a fast ``/feed`` topic and read it for ``seconds``; what was seen by then."""
    http = url.replace("ws://", "http://")
    token = fetch_json(f"{http}/login", "POST", {"username": "reader"})["token"]
    options.setdefault("ping_interval", 0)
    session = WebSocketSession(url, environment.events.request, backoff=None, **options)
    reading = ReaderStats()
    session.on_message(lambda message: reading.saw(message["seq"]) if "seq" in message else None)
    session.connect("/feed", query={"token": token, "rate": PUSH_RATE, "pad": PAD_BYTES})
    session.request({"op": "subscribe", "topic": "t"})
    gevent.sleep(seconds)
    reading.max_lag_ms = session.max_receive_lag_ms
    reading.close_code = None if session.connected else session.close_code
    # A snapshot: closing a slow reader reads on through its backlog until the close reply.
    return session, dataclasses.replace(reading)


def test_a_slow_reader_reads_at_its_rate_and_reports_its_lag_apart(demo_url, environment, event_log):
    slow, slow_reading = read_feed(demo_url, environment, 2.0, receive_rate=10, receive_buffer=4096)
    slow.close()
    assert 10 <= slow_reading.received <= 30  # 10/s for 2 s (the first read is not held back)
    assert event_log.successes("server push (slow reader)")
    assert not event_log.named("server push")


def test_what_the_slow_reader_sees_tells_the_servers_policy(feed_server, environment, event_log):
    action, url = feed_server
    read_for_s = 4.0
    slow, reading = read_feed(url, environment, read_for_s, receive_rate=READ_RATE, receive_buffer=4096)
    server = fetch_json(url.replace("ws://", "http://") + "/stats")
    slow.close()
    verdict = slow_consumer_verdict([reading], read_for_s)
    expected = {
        "block": "waits for slow consumers",
        "drop": "drops messages",
        "close": "disconnects slow consumers (close codes 1008)",
        "buffer": "buffers for slow consumers without bound",
    }[action]
    assert verdict.startswith(expected), (verdict, reading, server)
    assert server["pushes_dropped"] > 0 if action == "drop" else server["pushes_dropped"] == 0
    assert server["slow_consumers_closed"] == (1 if action == "close" else 0)
    if action == "buffer":
        assert server["send_queue_peak"] > SEND_QUEUE
    if action != "close":  # it closes itself: the backlog drained, the server's close frame whole
        assert slow.close_code == 1000, slow.close_reason
        assert not event_log.failures(), event_log.failures()


def test_pongs_and_close_replies_never_land_inside_a_push_the_reader_has_not_drained(
    feed_server, environment, event_log
):
    """The server answers pings and close frames from its reader greenlet while its pusher may be
    half-way through a frame the slow client has not taken: the frames must not interleave."""
    action, url = feed_server
    slow, _ = read_feed(
        url, environment, 2.0, receive_rate=READ_RATE, receive_buffer=4096, ping_interval=0.05
    )
    slow.close()
    assert event_log.successes("ping")
    if action == "close":  # the server's own close frame came through whole, after a whole push
        assert (slow.close_code, slow.close_reason) == (1008, "slow consumer")
        assert [str(event.exception) for event in event_log.failures()] == [
            "closed by server with code 1008: slow consumer"
        ]
    else:
        assert slow.close_code == 1000, slow.close_reason
        assert not event_log.failures(), event_log.failures()
