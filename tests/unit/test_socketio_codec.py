"""The lean encoder and decoder of ``call``/``emit`` packets give byte for byte what python-socketio's
``Packet`` gives, and hand everything else (binary attachments) to it."""

from __future__ import annotations

import pytest
from socketio import packet as sio

from locust_ws.protocol import socketio_packets as packets

ENCODED = [
    '3/chat,7["a",1]',
    '2["tick",{"seq":1}]',
    '21["x"]',
    '3123[{"a":-1,"b":"a-b"}]',
    '2/ns?x=1,5["e"]',
    "2/ns",
    "0",
    '0/chat,{"sid":"x"}',
    "1/chat,",
    '4{"message":"no"}',
    "3" + "1" * 100 + "[]",
    "3" + "1" * 101 + "[]",
    "3[" + "9" * 101 + "]",
    '2/a,b,1["e"]',
    "2[1",
    "2-1",
    "3[]",
    "31[null]",
    '2["e",\n1]',
    '43["x"]',
    '2 ["e"]',
]


def reference(text: str) -> tuple:
    try:
        packet = sio.Packet(encoded_packet=text)
    except (ValueError, TypeError, IndexError) as error:
        return ("error", type(error).__name__)
    return (packet.packet_type, packet.namespace or "/", packet.id, packet.data, packet.attachment_count)


@pytest.mark.parametrize("text", ENCODED)
def test_plain_packets_decode_as_python_socketio_decodes_them(text):
    try:
        packet = packets._decode_plain(text)
    except ValueError as error:
        ours: tuple = ("error", type(error).__name__)
    else:
        assert packet is not None
        ours = (packet.packet_type, packet.namespace, packet.id, packet.data, packet.attachment_count)
    assert ours == reference(text)


@pytest.mark.parametrize(
    "text", ['51-["file",{"_placeholder":true,"num":0}]', '61-3[{"_placeholder":true,"num":0}]']
)
def test_packets_with_attachments_are_left_to_python_socketio(text):
    assert packets._decode_plain(text) is None
    assert packets.decode_message(text).attachment_count == 1


@pytest.mark.parametrize(
    "data", [None, {"a": 1}, ("a", 2), [1, "é\u2028"], "text", {"blob": b"\x00"}, [b"1", 2]]
)
@pytest.mark.parametrize("namespace", ["/", "/chat"])
@pytest.mark.parametrize("ack_id", [None, 0, 12])
def test_events_encode_as_python_socketio_encodes_them(data, namespace, ack_id):
    arguments = ["event", *packets.emit_args(data)]
    expected = packets.message_frames(sio.Packet(sio.EVENT, data=arguments, namespace=namespace, id=ack_id))
    assert packets.event_frames("event", data, namespace, ack_id) == expected


def test_huge_json_integers_are_refused_as_python_engineio_refuses_them():
    with pytest.raises(ValueError, match=r"malformed Socket\.IO packet"):
        packets.decode_message("3[" + "9" * 101 + "]")
