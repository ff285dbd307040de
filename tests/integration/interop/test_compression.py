"""permessage-deflate (RFC 7692) against third-party servers: Node's ``ws`` with
``perMessageDeflate`` and Python's ``websockets`` (compressing by default), each once per test,
and the official socket.io server. The paths' prefixes pick the server's configuration (see
``servers/ws_server.js``): ``/deflate`` compresses every message, ``/deflate-small`` imposes small
windows and no context takeover on us, ``/deflate-required`` refuses clients that do not offer
it, ``/plain`` declines it.

What proves a message travelled compressed is the metrics: the codec counts only the messages it
compressed or inflated, and their bytes on the wire."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from locust_ws import DeflateOptions, HandshakeRejected, SocketIOSession, WebSocketMetrics

MESSAGES = 30


@pytest.fixture
def metrics(environment) -> Iterator[WebSocketMetrics]:
    """The metrics store a Locust run keeps, fed by this test's sessions."""
    store = WebSocketMetrics()
    environment.events.request.add_listener(store.record)
    yield store


def chat(n: int) -> dict:
    """A chat-like message: the repetitive JSON compression is for."""
    return {"op": "chat", "room": "lobby", "user": f"user-{n % 7}", "text": f"message number {n} to the room"}


def test_messages_round_trip_compressed_both_ways_and_the_ratio_is_reported(ws_server, make_session, metrics):
    session = make_session(ws_server.url, compression="deflate")
    session.connect("/deflate/echo")
    assert session.extensions.startswith("permessage-deflate")
    replies = [session.request(chat(n), name="echo") for n in range(MESSAGES)]
    assert [reply.data for reply in replies] == [
        {**chat(n), "id": reply.data["id"]} for n, reply in enumerate(replies)
    ]
    scalars = metrics.scalars()
    assert (scalars["compressed_messages_out"], scalars["compressed_messages_in"]) == (MESSAGES, MESSAGES)
    assert scalars["compression_ratio_out"] > 2 and scalars["compression_ratio_in"] > 2
    assert scalars["wire_bytes_out"] < scalars["bytes_out"] / 2
    assert scalars["wire_bytes_in"] < scalars["bytes_in"] / 2
    assert scalars["deflate_us_per_message"] > 0 and scalars["inflate_us_per_message"] > 0


def test_a_server_that_requires_compression_refuses_without_and_works_with_it(
    ws_server, make_session, metrics
):
    plain = make_session(ws_server.url)
    with pytest.raises(HandshakeRejected) as refused:
        plain.connect("/deflate-required/echo")
    assert refused.value.status_code == 400
    session = make_session(ws_server.url)
    session.connect("/deflate-required/echo", compression="deflate")
    assert session.request(chat(1)).ok
    assert metrics.compressed_messages_in == metrics.compressed_messages_out == 1


def test_the_servers_smaller_windows_and_no_context_takeover_are_honoured(ws_server, make_session, metrics):
    session = make_session(ws_server.url, compression="deflate")
    session.connect("/deflate-small/echo")
    assert "client_max_window_bits=9" in session.extensions
    assert "client_no_context_takeover" in session.extensions
    # repeats 1 KiB apart: a reference that far back would break the server's 512-byte window
    big = {"rows": [{"seq": n, "payload": "abcdefghij" * 100} for n in range(20)]}
    for _ in range(3):
        reply = session.request(big, name="big")
        assert reply.ok, reply.error
        assert reply.data["rows"] == big["rows"]
    assert metrics.compressed_messages_out == 3
    assert metrics.scalars()["compression_ratio_out"] > 5


def test_server_no_context_takeover_asked_for_is_agreed(ws_server, make_session):
    session = make_session(ws_server.url, compression=DeflateOptions(server_no_context_takeover=True))
    session.connect("/deflate/echo")
    assert "server_no_context_takeover" in session.extensions
    assert [session.request(chat(n)).data["text"] for n in range(3)] == [chat(n)["text"] for n in range(3)]


def test_binary_and_large_messages_round_trip_compressed(ws_server, make_session, metrics):
    session = make_session(ws_server.url, compression="deflate")
    received: list = []
    session.on_message(received.append)
    session.connect("/deflate/echo")
    blob = bytes(range(256)) * 512  # 128 KiB binary
    text = json.dumps([chat(n) for n in range(2000)])  # about 150 KB of text
    session.send(blob)
    session.send(text)
    reply = session.wait_for(lambda message: isinstance(message, list), timeout=5)
    assert received[0] == blob and reply == json.loads(text)
    assert metrics.compressed_messages_in == 2


def test_a_server_declining_compression_leaves_every_message_plain(ws_server, make_session, metrics):
    session = make_session(ws_server.url, compression="deflate")
    session.connect("/plain/echo")
    assert session.extensions == ""
    assert session.request(chat(1)).ok
    scalars = metrics.scalars()
    assert scalars["compressed_messages_out"] == scalars["compressed_messages_in"] == 0
    assert (scalars["wire_bytes_out"], scalars["wire_bytes_in"]) == (
        scalars["bytes_out"],
        scalars["bytes_in"],
    )
    assert scalars["compression_ratio_in"] is None


def test_socketio_over_a_compressed_websocket(sio_server, make_session, metrics):
    session = make_session(sio_server, SocketIOSession)
    session.connect(compression="deflate")
    assert session.extensions.startswith("permessage-deflate")
    for n in range(MESSAGES):
        assert session.call("echo", chat(n)).data == chat(n)
    assert metrics.compressed_messages_out >= MESSAGES  # the Engine.IO pongs are compressed too
    assert metrics.compressed_messages_in >= MESSAGES
    assert metrics.scalars()["compression_ratio_in"] > 1
