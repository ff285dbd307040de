"""Handshake and protocol faults from a server that misbehaves on purpose: each is one readable
failure entry naming what happened and the close code we sent, never a traceback or a hang."""

from __future__ import annotations

import json
import os

import gevent
import pytest

from locust_ws import ConnectError, HandshakeRejected, WebSocketSession

from ..support.faulty_server import FaultyServer, sent_close_code


@pytest.fixture(scope="module")
def faulty():
    server = FaultyServer().start()
    yield server
    server.stop()


def open_session(url: str, environment, **options) -> WebSocketSession:
    options.setdefault("ping_interval", 0)
    return WebSocketSession(url, environment.events.request, **options)


def wait_until_closed(session: WebSocketSession) -> None:
    with gevent.Timeout(5):
        while session.connected:
            gevent.sleep(0.02)


@pytest.mark.parametrize(
    ("path", "code", "detail"),
    [
        ("/invalid-utf8", 1007, "invalid UTF-8 in a text message"),
        ("/reserved-opcode", 1002, "reserved opcode 3"),
        ("/masked-frame", 1002, "the server sent a masked frame"),
        ("/rsv-bits", 1002, "reserved bits"),
        ("/bad-close-code", 1002, "invalid close code 999"),
    ],
)
def test_protocol_fault_is_a_failure_naming_the_close_code_we_sent(
    faulty, environment, event_log, path, code, detail
):
    session = open_session(faulty.url, environment)
    session.connect(path)
    wait_until_closed(session)
    [event] = event_log.failures(f"close {path}")
    assert str(event.exception).startswith(f"protocol error, we closed with {code}: ")
    assert detail in str(event.exception)
    assert session.close_code == code
    assert event_log.named("recv") == []  # nothing from the broken frame was delivered
    with gevent.Timeout(3):
        while sent_close_code(faulty.client_bytes.get(path, b"")) is None:
            gevent.sleep(0.05)
    assert sent_close_code(faulty.client_bytes[path]) == code
    session.close()


def test_message_over_max_message_size_is_refused_with_1009(faulty, environment, event_log):
    session = open_session(faulty.url, environment, max_message_size=64 * 1024)
    session.connect("/big-frame")
    wait_until_closed(session)
    [event] = event_log.failures("close /big-frame")
    assert "we closed with 1009" in str(event.exception)
    assert "200000 bytes exceeds max_message_size 65536" in str(event.exception)
    assert session.messages_in == 0
    session.close()


def test_compressed_bomb_is_refused_with_1009_before_it_is_inflated(faulty, environment, event_log):
    session = open_session(faulty.url, environment, max_message_size=1024 * 1024, compression="deflate")
    session.connect("/deflate-bomb")
    wait_until_closed(session)
    [event] = event_log.failures("close /deflate-bomb")
    assert str(event.exception) == (
        "protocol error, we closed with 1009: a compressed message inflates past max_message_size 1048576"
    )
    assert session.messages_in == 0
    with gevent.Timeout(3):
        while sent_close_code(faulty.client_bytes.get("/deflate-bomb", b"")) is None:
            gevent.sleep(0.05)
    assert sent_close_code(faulty.client_bytes["/deflate-bomb"]) == 1009
    session.close()


@pytest.mark.parametrize(
    ("path", "compression", "problem"),
    [
        ("/deflate-unasked", None, "the server chose extension 'permessage-deflate', which we did not offer"),
        (
            "/deflate-bad-window",
            "deflate",
            "client_max_window_bits must be 8-15 without leading zeroes, got '16'",
        ),
    ],
)
def test_a_compression_answer_rfc_7692_forbids_is_a_handshake_failure(
    faulty, environment, event_log, path, compression, problem
):
    session = open_session(faulty.url, environment, compression=compression)
    with pytest.raises(ConnectError, match="Invalid WebSocket Header"):
        session.connect(path)
    [event] = event_log.failures(f"connect {path}")
    assert problem in str(event.exception)
    assert not session.connected


def test_a_send_that_timed_out_waiting_compressed_nothing_so_later_messages_stay_intact(
    faulty, environment, event_log
):
    """With context takeover each message is compressed against the ones before it: one that was
    compressed but never sent would corrupt every later one at the server."""
    session = open_session(faulty.url, environment, compression="deflate")
    session.connect("/deflate-slow-reader")
    blocked = os.urandom(16 * 1024 * 1024)  # fills the socket buffers: the server is not reading
    sender = gevent.spawn(session.send, blocked)
    gevent.sleep(0.1)
    message = {"id": "same", "text": "the same words twice, once never sent " * 20}
    assert not session.request(message, timeout=0.2).ok  # its send gave up waiting for the lock
    sender.join(timeout=10)
    session.send(message)
    with gevent.Timeout(10):
        while len(faulty.inflated) < 2:
            gevent.sleep(0.05)
    assert faulty.inflated == [blocked, json.dumps(message, separators=(",", ":")).encode()]
    session.close()


def test_large_message_within_the_limit_is_delivered(faulty, environment, event_log):
    session = open_session(faulty.url, environment)  # default limit: 16 MiB
    session.connect("/big-frame")
    with gevent.Timeout(3):
        while session.messages_in == 0:
            gevent.sleep(0.02)
    assert session.bytes_in == 200_000
    session.close()


def test_fragmented_message_interleaved_with_pings_is_reassembled(faulty, environment, event_log):
    session = open_session(faulty.url, environment)
    received = []
    session.on_message(received.append)
    session.connect("/fragmented-with-pings")
    with gevent.Timeout(3):
        while not received:
            gevent.sleep(0.02)
    assert received == ["hello world"]
    assert session.connected
    session.close()


def test_wrong_sec_websocket_accept_is_a_handshake_failure(faulty, environment, event_log):
    session = open_session(faulty.url, environment)
    with pytest.raises(ConnectError, match="Invalid WebSocket Header"):
        session.connect("/wrong-accept")
    assert not session.connected


def test_plain_http_200_is_a_refused_handshake(faulty, environment, event_log):
    session = open_session(faulty.url, environment)
    with pytest.raises(HandshakeRejected, match="HTTP 200"):
        session.connect("/html")


def test_redirects_are_followed(faulty, demo_url, environment, event_log):
    session = open_session(faulty.url, environment)
    session.connect("/redirect", query={"to": f"{demo_url}/echo"}, name="connect redirected")
    try:
        assert session.request({"after": "redirect"}).ok
    finally:
        session.close()
    # a redirect to something that is not a WebSocket is refused with the final status
    with pytest.raises(HandshakeRejected, match="HTTP 200"):
        session.connect("/redirect")


def test_unresolvable_host_is_reported_quickly(environment, event_log):
    session = WebSocketSession("ws://no-such-host.invalid:80", environment.events.request, connect_timeout=3)
    with gevent.Timeout(10), pytest.raises(ConnectError, match="cannot resolve host"):
        session.connect("/echo")


def test_wrong_url_scheme_is_a_readable_failure(environment, event_log):
    session = WebSocketSession("ftp://127.0.0.1:21", environment.events.request)
    with pytest.raises(ConnectError, match="unsupported URL scheme 'ftp'"):
        session.connect("/echo")
    [event] = event_log.failures()
    assert "unsupported URL scheme" in str(event.exception)
