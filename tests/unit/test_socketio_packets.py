"""Pure Socket.IO logic without sockets: packet framing, argument conventions, the demo's join rules."""

from __future__ import annotations

import pytest

from locust_ws.demo.socketio_app import JoinLimits, SocketIOSettings
from locust_ws.errors import ActionRefused
from locust_ws.protocol import socketio_packets as packets
from locust_ws.sessions.rooms import refusal

TEXT, BINARY = packets.OPCODE_TEXT, packets.OPCODE_BINARY


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


def test_error_acks_by_convention_are_refusals():
    assert refusal("join", {"ok": True, "room": "r"}) is None
    assert refusal("join", "fine") is None
    refused = refusal("join", {"ok": False, "error": "rate_limited", "reason": "cooldown"})
    assert isinstance(refused, ActionRefused)
    assert str(refused) == "join refused: rate_limited (cooldown)"
    assert str(refusal("leave", {"error": "not in room"})) == "leave refused: not in room"


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
