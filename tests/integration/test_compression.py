"""permessage-deflate end to end on the demo server, which negotiates it (``demo/compression.py``;
gevent-websocket alone cannot): the user and session knobs, Socket.IO on a compressed WebSocket,
and what the metrics summary reports, with and without compression."""

from __future__ import annotations

import pytest
from locust import constant, task
from locust.env import Environment

from locust_ws import (
    ConnectError,
    DeflateOptions,
    SocketIOSession,
    SocketIOUser,
    WebSocketMetrics,
    WebSocketSession,
    WebSocketUser,
)
from locust_ws.demo import start_demo_process, stop_demo_process
from locust_ws.demo.compression import accept
from locust_ws.reports.summary import format_console, format_csv

CHAT = {"op": "chat", "room": "lobby", "text": "hello everybody, this is a chat message"}


@pytest.fixture
def metrics(environment) -> WebSocketMetrics:
    store = WebSocketMetrics()
    environment.events.request.add_listener(store.record)
    return store


@pytest.fixture
def session(environment):
    opened = WebSocketSession(environment.host, environment.events.request, ping_interval=0)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def declining_url():
    process, url = start_demo_process(["--no-compression"])
    yield url
    stop_demo_process(process)


@pytest.mark.parametrize(
    ("offers", "response"),
    [
        ("permessage-deflate; client_max_window_bits", "permessage-deflate"),
        (
            "x-webkit-deflate-frame, permessage-deflate; bogus, permessage-deflate; "
            "server_max_window_bits=10; client_max_window_bits=12; server_no_context_takeover",
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=10; "
            "client_max_window_bits=12",
        ),
        ("permessage-deflate; server_max_window_bits=99", None),
        ("x-webkit-deflate-frame", None),
        ("permessage-deflate;;", None),
    ],
)
def test_the_demo_server_accepts_the_first_offer_it_can_read(offers, response):
    accepted = accept(offers)
    assert (accepted and accepted[0]) == response


def test_the_demo_server_negotiates_compression_offered_per_connect(session, metrics):
    session.connect("/echo", compression="deflate")
    assert session.extensions == "permessage-deflate"
    assert [session.request({**CHAT, "n": n}).data["n"] for n in range(5)] == list(range(5))
    assert (metrics.compressed_messages_out, metrics.compressed_messages_in) == (5, 5)
    session.connect("/echo", compression=False)  # the next connection, without
    assert session.extensions == ""
    assert session.request(CHAT).ok
    assert metrics.compressed_messages_out == 5


def test_the_rfc_parameters_are_offered_and_agreed(session):
    options = DeflateOptions(
        server_no_context_takeover=True, server_max_window_bits=10, client_max_window_bits=9
    )
    session.connect("/echo", compression=options)
    assert session.extensions == (
        "permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits=9"
    )
    for _ in range(3):
        assert session.request({"rows": ["the same row of data, again"] * 100}).ok


def test_a_server_that_declines_leaves_the_connection_uncompressed(declining_url, environment, metrics):
    session = WebSocketSession(
        declining_url, environment.events.request, ping_interval=0, compression="deflate"
    )
    session.connect("/echo")
    try:
        assert session.extensions == ""
        assert session.request(CHAT).ok
    finally:
        session.close()
    scalars = metrics.scalars()
    assert scalars["compressed_messages_out"] == 0
    assert (scalars["wire_bytes_out"], scalars["wire_bytes_in"]) == (
        scalars["bytes_out"],
        scalars["bytes_in"],
    )


def test_compression_and_an_extensions_header_of_ones_own_exclude_each_other(session, event_log):
    with pytest.raises(ConnectError, match="choose one"):
        session.connect("/echo", headers={"Sec-WebSocket-Extensions": "x-custom"}, compression="deflate")
    assert not session.connected


def test_a_session_option_is_invalid_before_any_connection(environment):
    with pytest.raises(ValueError, match="client_max_window_bits"):
        WebSocketSession(
            environment.host, environment.events.request, compression={"client_max_window_bits": 20}
        )


def test_the_user_class_attribute_compresses_every_connection_and_the_summary_shows_it(demo_url):
    class CompressingChatUser(WebSocketUser):
        host = demo_url
        path = "/echo"
        compression = "deflate"
        ping_interval = 0
        wait_time = constant(0.01)

        @task
        def chat(self):
            self.client.request(CHAT, name="chat")

    environment = Environment(user_classes=[CompressingChatUser])
    metrics = WebSocketMetrics()
    environment.events.request.add_listener(metrics.record)
    user = CompressingChatUser(environment)
    user.on_start()
    try:
        assert user.client.extensions == "permessage-deflate"
        for _ in range(20):
            user.chat()
    finally:
        user.on_stop()
    summary = metrics.summary()["metrics"]
    assert summary["compressed_messages_out"] == summary["compressed_messages_in"] == 20
    assert summary["compression_ratio_out"] > 2
    assert summary["wire_bytes_out"] < summary["bytes_out"]
    assert summary["deflate_us_per_message"] > 0
    console = format_console(metrics.summary())
    assert "compression ratio out" in console and "deflate CPU per message" in console
    csv_rows = {row.split(",")[0]: row for row in format_csv(metrics.summary()).splitlines()}
    assert csv_rows["compression_ratio_in"].endswith(",ratio")
    assert csv_rows["inflate_us_per_message"].endswith(",us")


def test_socketio_on_the_demo_server_compresses_its_websocket(demo_url, environment, metrics):
    session = SocketIOSession(demo_url, environment.events.request, compression="deflate")
    session.connect()
    try:
        assert session.extensions == "permessage-deflate"
        assert session.call("echo", CHAT).data == CHAT
    finally:
        session.close()
    assert metrics.compressed_messages_in >= 2  # the Engine.IO open packet and the ack at least


def test_a_socketio_user_class_compresses_its_connection(demo_url, environment):
    class CompressingSocketIOUser(SocketIOUser):
        host = demo_url
        compression = "deflate"
        wait_time = constant(0.01)

    user = CompressingSocketIOUser(environment)
    user.on_start()
    try:
        assert user.client.extensions == "permessage-deflate"
        assert user.client.call("echo", CHAT).data == CHAT
    finally:
        user.on_stop()
