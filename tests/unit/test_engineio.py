"""The Engine.IO client's pure parts, without a socket: the open packet, the transport choice, the
frames it hands up or answers, and the heartbeat watch with the time passed in."""

from __future__ import annotations

import pytest
from locust.event import EventHook

from locust_ws.protocol.engineio import PONG_FRAME, EngineOpen, PacketType, endpoint, parse_open
from locust_ws.protocol.frames import OPCODE_BINARY, OPCODE_TEXT
from locust_ws.sessions.engineio import EngineIOClient
from locust_ws.sessions.reporter import Reporter

OPEN = '0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000}'


class Recorder:
    """What the client hands up: open packets and messages, with their arrival times."""

    def __init__(self) -> None:
        self.opened: list[tuple[EngineOpen, float]] = []
        self.messages: list[tuple[str | bytes, float, int]] = []
        self.rows: list[dict] = []
        self.request = EventHook()
        self.request.add_listener(lambda **event: self.rows.append(event))

    def client(self) -> EngineIOClient:
        return EngineIOClient(
            Reporter(self.request, "SIO"),
            lambda opened, at: self.opened.append((opened, at)),
            lambda data, at, length: self.messages.append((data, at, length)),
        )


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


# -- packets ------------------------------------------------------------------------------------


def test_open_packet_gives_sid_and_heartbeat_in_seconds():
    assert parse_open(OPEN) == EngineOpen("abc", 25.0, 20.0, ())


@pytest.mark.parametrize(
    "text", ['0{"sid":"abc"}', "40", "0[]", '2{"sid":"x"}', "0{", "", '0{"sid":"a","pingInterval":"x"}']
)
def test_anything_else_is_not_an_open_packet(text):
    with pytest.raises(ValueError, match="open packet"):
        parse_open(text)


def test_packet_types_are_the_digits_of_the_text_frames():
    assert bytes([PacketType.OPEN, PacketType.PING, PacketType.MESSAGE]) == b"024"
    assert bytes([PacketType.PONG]) == PONG_FRAME


def test_endpoint_replaces_the_path_and_keeps_the_query():
    assert endpoint("", "socket.io") == "/socket.io/"
    assert endpoint("", "/custom/path/") == "/custom/path/"
    assert endpoint("https://example.com/ignored?tenant=7", "socket.io") == (
        "https://example.com/socket.io/?tenant=7"
    )
    with pytest.raises(ValueError, match="absolute"):
        endpoint("example.com:80", "socket.io")


# -- the client's state -------------------------------------------------------------------------


def test_the_open_packet_is_kept_in_the_clients_own_fields(recorder):
    client = recorder.client()
    assert client.sid is None
    client.opened(OPEN, now=100.0)
    assert (client.sid, client.ping_interval, client.ping_timeout) == ("abc", 25.0, 20.0)
    assert client.last_ping == 100.0


def test_the_watchdog_deadline_is_ping_interval_plus_ping_timeout_after_the_last_ping(recorder):
    client = recorder.client()
    client.opened(OPEN, now=100.0)
    assert client.liveness_limit == 45.0
    assert client.ping_deadline() == 145.0
    assert client.pinged(now=125.5) == pytest.approx(25.5)  # the heartbeat row's gap, in seconds
    assert client.ping_deadline() == 170.5  # every ping moves the deadline
    assert client.pinged(now=126.0) == pytest.approx(0.5)


def test_the_transport_is_the_websocket_whenever_allowed(recorder):
    client = recorder.client()
    client.choose_transport(["polling", "websocket"])
    assert client.transport == "websocket"
    client.choose_transport(("polling",))
    assert client.transport == "polling"
    assert client.handshake_query({"token": "t"}) == {"token": "t", "EIO": 4, "transport": "polling"}
    for bad in ([], ["carrier-pigeon"], ["websocket", "webtransport"]):
        with pytest.raises(ValueError, match="transports"):
            client.choose_transport(bad)
    assert client.transport == "polling"  # a refused choice changes nothing


# -- frames in ----------------------------------------------------------------------------------


def test_messages_go_up_with_their_size_on_the_wire(recorder):
    client = recorder.client()
    client.receive(OPCODE_TEXT, b'42["tick",{"seq":1}]', 5.0)
    client.receive(OPCODE_BINARY, b"\x00\xff", 6.0)
    assert recorder.messages == [('2["tick",{"seq":1}]', 5.0, 20), (b"\x00\xff", 6.0, 2)]
    assert recorder.rows == []


def test_the_open_packet_goes_up_once_taken_in(recorder):
    client = recorder.client()
    client.receive(OPCODE_TEXT, OPEN.encode(), 7.0)
    assert recorder.opened == [(EngineOpen("abc", 25.0, 20.0, ()), 7.0)]
    assert client.sid == "abc" and client.last_ping == 7.0


def test_a_ping_without_a_transport_is_still_timed_as_a_heartbeat(recorder):
    client = recorder.client()
    client.receive(OPCODE_TEXT, OPEN.encode(), 10.0)
    client.receive(OPCODE_TEXT, b"2", 35.0)
    [row] = recorder.rows
    assert (row["name"], row["response_time"], row["exception"]) == ("heartbeat", 25000.0, None)
    assert row["context"]["ws_kind"] == "heartbeat"


def test_close_and_noop_are_no_messages_and_anything_else_is_an_error(recorder):
    client = recorder.client()
    client.receive(OPCODE_TEXT, b"1", 1.0)
    client.receive(OPCODE_TEXT, b"6", 1.0)
    assert recorder.messages == [] and recorder.opened == []
    for frame in (b"9", b"", b"5"):
        with pytest.raises(ValueError, match=r"unexpected Engine\.IO packet"):
            client.receive(OPCODE_TEXT, frame, 1.0)
    with pytest.raises(UnicodeDecodeError):
        client.receive(OPCODE_TEXT, b"4\xff", 1.0)
