"""Slow consumers: a session with a ``receive_rate`` reads no faster than that, its receive lag is
its own row, and against the demo server's four slow-consumer policies (``--slow-consumer``) what
it sees tells them apart: backpressure, drops, a disconnect, a queue without bound."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import gevent
import pytest

from locust_ws import WebSocketSession
from locust_ws.demo import start_demo_process, stop_demo_process
from locust_ws.patterns.pacing import ReceivePacer
from locust_ws.patterns.slow_consumers import ReaderStats, slow_consumer_verdict

from .conftest import fetch_json
from .test_locustfiles import run_locust_on_demo

PUSH_RATE = 200
PAD_BYTES = 4000
READ_RATE = 50.0
SEND_QUEUE = 10


# -- pure parts ---------------------------------------------------------------------------------


def test_the_receive_pacer_pauses_for_what_was_read_and_saves_nothing_up():
    pacer = ReceivePacer(rate=10)
    assert pacer.pause_after(5, now=100.0) == pytest.approx(0.5)
    assert pacer.pause_after(1, now=100.5) == pytest.approx(0.1)
    assert pacer.pause_after(1, now=200.0) == pytest.approx(0.1)  # waited for data: no credit
    with pytest.raises(ValueError, match="receive rate"):
        ReceivePacer(0)


def test_reader_stats_count_gaps_in_the_sequence_as_missed():
    reading = ReaderStats()
    for seq in (1, 2, 5, 6, 10):
        reading.saw(seq)
    assert (reading.received, reading.missed, reading.last_seq) == (5, 5, 10)


@pytest.mark.parametrize(
    ("readers", "verdict"),
    [
        ([ReaderStats(10, 0, 400.0, 1008)], "disconnects slow consumers (close codes 1008)"),
        ([ReaderStats(10, 42, 1500.0)], "drops messages for slow consumers: 42 missed"),
        ([ReaderStats(10, 0, 7000.0)], "buffers for slow consumers without bound"),
        ([ReaderStats(10, 0, 500.0)], "waits for slow consumers (backpressure)"),
        ([], "no slow reader ran"),
    ],
)
def test_the_verdict_names_what_the_server_did(readers, verdict):
    assert slow_consumer_verdict(readers, read_for_s=8).startswith(verdict)


# -- against the demo server --------------------------------------------------------------------


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
    session = WebSocketSession(url, environment.events.request, ping_interval=0, backoff=None, **options)
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


def test_what_the_slow_reader_sees_tells_the_servers_policy(feed_server, environment):
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


def test_the_slow_consumers_locustfile_names_the_servers_behaviour():
    result = run_locust_on_demo(
        "slow_consumers.py",
        ["--slow-consumer", "drop", "--send-buffer", "16384"],
        *("-u", "5", "-r", "5", "-t", "8s", "--only-summary"),
    )
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert "server: drops messages for slow consumers" in output, output
    assert "server push (slow reader)" in output
