"""Pure Socket.IO logic without sockets: packet framing, argument conventions, the demo's join rules."""

from __future__ import annotations

import pytest

from locust_ws.demo.socketio_app import JoinLimits, SocketIOSettings
from locust_ws.errors import ActionRefused
from locust_ws.protocol import socketio_packets as packets
from locust_ws.sessions.socketio import _endpoint, _refusal

TEXT, BINARY = packets.OPCODE_TEXT, packets.OPCODE_BINARY


def test_open_packet_gives_sid_and_heartbeat_in_seconds():
    opened = packets.parse_open('0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000}')
    assert opened == packets.EngineOpen("abc", 25.0, 20.0, ())


@pytest.mark.parametrize("text", ['0{"sid":"abc"}', "40", "0[]", '2{"sid":"x"}'])
def test_anything_else_is_not_an_open_packet(text):
    with pytest.raises(ValueError):
        packets.parse_open(text)


def test_events_are_framed_as_engineio_messages():
    assert packets.event_frames("chat", {"text": "hi"}, "/") == [(b'42["chat",{"text":"hi"}]', TEXT)]
    assert packets.event_frames("chat", None, "/room", ack_id=12) == [(b'42/room,12["chat"]', TEXT)]
    assert packets.event_frames("pair", ("a", 1), "/") == [(b'42["pair","a",1]', TEXT)]


def test_binary_data_becomes_a_placeholder_packet_and_raw_attachments():
    frames = packets.event_frames("upload", {"blob": b"\x00\x01"}, "/", ack_id=3)
    assert frames == [
        (b'451-3["upload",{"blob":{"_placeholder":true,"num":0}}]', TEXT),
        (b"\x00\x01", BINARY),
    ]


def test_connect_ack_and_disconnect_packets():
    assert packets.connect_frames("/", None) == [(b"40", TEXT)]
    assert packets.connect_frames("/chat", {"token": "t"}) == [(b'40/chat,{"token":"t"}', TEXT)]
    assert packets.ack_frames("/", 5, {"ok": True}) == [(b'435[{"ok":true}]', TEXT)]
    assert packets.ack_frames("/", 5, None) == [(b"435[]", TEXT)]
    assert packets.disconnect_frames("/chat") == [(b"41/chat,", TEXT)]


def test_decoding_keeps_namespace_id_and_data():
    ack = packets.decode_message('3/chat,7["a",1]')
    assert (ack.packet_type, ack.namespace, ack.id, ack.data) == (3, "/chat", 7, ["a", 1])
    event = packets.decode_message('2["tick",{"seq":1}]')
    assert (event.namespace, event.id, event.data) == ("/", None, ["tick", {"seq": 1}])


def test_binary_event_is_rebuilt_from_its_attachments():
    packet = packets.decode_message('51-["file",{"_placeholder":true,"num":0}]')
    assert packet.attachment_count == 1
    assert packet.add_attachment(b"\xff")
    assert packet.data == ["file", b"\xff"]


@pytest.mark.parametrize("text", ["2[", "9", "2{}", "2[1]", ""])
def test_malformed_packets_are_value_errors(text):
    with pytest.raises(ValueError):
        packets.decode_message(text)


def test_arguments_follow_python_socketio():
    assert packets.emit_args(None) == [] and packets.emit_args((1, 2)) == [1, 2]
    assert packets.emit_args([1, 2]) == [[1, 2]]
    assert packets.unpack_args([1]) == 1 and packets.unpack_args([1, 2]) == (1, 2)
    assert packets.unpack_args([]) == ()
    assert packets.SocketIOEvent("/", "tick", ({"seq": 1},)).data == {"seq": 1}


def test_refusal_message_is_the_servers_text():
    assert packets.refusal_message({"message": "invalid token"}) == "invalid token"
    assert packets.refusal_message("Unable to connect") == "Unable to connect"
    assert packets.refusal_message(None) == "refused by server"


def test_endpoint_replaces_the_path_and_keeps_the_query():
    assert _endpoint("", "socket.io") == "/socket.io/"
    assert _endpoint("", "/custom/path/") == "/custom/path/"
    assert _endpoint("https://example.com/ignored?tenant=7", "socket.io") == (
        "https://example.com/socket.io/?tenant=7"
    )
    with pytest.raises(ValueError, match="absolute"):
        _endpoint("example.com:80", "socket.io")


def test_error_acks_by_convention_are_refusals():
    assert _refusal("join", {"ok": True, "room": "r"}) is None
    assert _refusal("join", "fine") is None
    refused = _refusal("join", {"ok": False, "error": "rate_limited", "reason": "cooldown"})
    assert isinstance(refused, ActionRefused)
    assert str(refused) == "join refused: rate_limited (cooldown)"
    assert str(_refusal("leave", {"error": "not in room"})) == "leave refused: not in room"


def test_join_limits_enforce_the_cooldown_then_the_capacity():
    limits = JoinLimits(cooldown=2.0, capacity=2)
    assert limits.refusal("alice", members=0, now=100.0) is None
    limits.joined("alice", 100.0)
    assert limits.refusal("alice", members=0, now=101.5) == ("cooldown", 0.5)
    assert limits.refusal("bob", members=1, now=101.5) is None  # cooldowns are per user
    assert limits.refusal("alice", members=2, now=102.0) == ("room_full", 2.0)
    assert limits.refusal("alice", members=1, now=102.0) is None


@pytest.mark.parametrize(
    "settings", [{"ping_interval": 0.5}, {"ping_interval": 1.5}, {"ping_timeout": 0}, {"room_capacity": 0}]
)
def test_socketio_settings_reject_what_the_server_cannot_honour(settings):
    with pytest.raises(ValueError):
        SocketIOSettings(**settings)
