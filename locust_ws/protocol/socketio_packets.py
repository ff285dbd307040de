"""Socket.IO v5 packets to WebSocket frames and back.

Pure functions, no sockets, no gevent. A Socket.IO packet travels as an Engine.IO message
(``engineio.py``): over the WebSocket transport one text frame, ``4`` + the Socket.IO encoding;
binary attachments follow their placeholder packet as raw binary frames.

The packets of every ``call`` and ``emit``, events and acks without binary data, are encoded and
decoded here directly, byte for byte as python-socketio's ``Packet`` does (its ``Packet`` costs
several Python calls per argument, a JSON encoder and a JSON decoder per packet). Everything else
(binary attachments, connect and disconnect packets) goes through python-socketio's own classes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from socketio import packet as sio

from .frames import OPCODE_BINARY, OPCODE_TEXT
from .messages import compact_json

Frame = tuple[bytes, int]


@dataclass(frozen=True)
class SocketIOEvent:
    """An inbound event, as ``wait_for`` predicates and catch-all handlers see it."""

    namespace: str
    name: str
    args: tuple[Any, ...]

    @property
    def data(self) -> Any:
        """The event's payload as python-socketio hands it over: its only argument, a tuple of
        several, or ``()`` for none (so ``None`` can only mean "no event")."""
        return unpack_args(self.args)


def emit_args(data: Any) -> list[Any]:
    """The arguments an emit carries, python-socketio's way: a tuple is several arguments, ``None``
    is none, anything else is one."""
    if isinstance(data, tuple):
        return list(data)
    return [] if data is None else [data]


def unpack_args(args: Sequence[Any]) -> Any:
    """The inverse view of ``emit_args`` for received events and acks: one argument is itself,
    several are a tuple, none is ``()``."""
    if len(args) == 1:
        return args[0]
    return tuple(args)


def message_frames(packet: sio.Packet) -> list[Frame]:
    """The WebSocket frames of one Socket.IO packet: its text frame, then its binary attachments."""
    encoded = packet.encode()
    if isinstance(encoded, str):
        return [(b"4" + encoded.encode("utf-8"), OPCODE_TEXT)]
    head, *attachments = encoded
    return [(b"4" + head.encode("utf-8"), OPCODE_TEXT), *((bytes(a), OPCODE_BINARY) for a in attachments)]


def event_frames(event: str, data: Any, namespace: str, ack_id: int | None = None) -> list[Frame]:
    """Frames of an ``EVENT`` (or ``BINARY_EVENT``) packet; ``ack_id`` asks the server to ack it."""
    arguments = [event, *emit_args(data)]
    try:
        body = compact_json(arguments)
    except TypeError:  # bytes in it (or something JSON cannot hold): python-socketio decides
        return message_frames(sio.Packet(sio.EVENT, data=arguments, namespace=namespace, id=ack_id))
    head = "42" if namespace == "/" else f"42{namespace},"
    if ack_id is not None:
        head += str(ack_id)
    return [((head + body).encode("utf-8"), OPCODE_TEXT)]


def ack_frames(namespace: str, ack_id: int, result: Any) -> list[Frame]:
    """Frames acknowledging the server's event ``ack_id`` with a handler's return value."""
    return message_frames(sio.Packet(sio.ACK, data=emit_args(result), namespace=namespace, id=ack_id))


def connect_frames(namespace: str, auth: Any) -> list[Frame]:
    """Frames of a namespace ``CONNECT`` packet carrying the ``auth`` payload (if any)."""
    return message_frames(sio.Packet(sio.CONNECT, data=auth or None, namespace=namespace))


def disconnect_frames(namespace: str) -> list[Frame]:
    """Frames of a namespace ``DISCONNECT`` packet (a client leaving a namespace)."""
    return message_frames(sio.Packet(sio.DISCONNECT, namespace=namespace))


@dataclass(slots=True)
class SocketIOPacket:
    """A decoded packet without attachments; the attributes ``sio.Packet`` has."""

    packet_type: int
    namespace: str
    id: int | None
    data: Any
    attachment_count = 0
    attachments: tuple[bytes, ...] = ()


def _safe_int(digits: str) -> int:
    """python-engineio's guard: a JSON integer of over 100 digits would take quadratic time."""
    if len(digits) > 100:
        raise ValueError("Integer is too large")
    return int(digits)


_decode_json = json.JSONDecoder(parse_int=_safe_int).decode  # engineio's json.loads, built once


_ROOT_WITH_ARRAY = re.compile(r"([0-4])(\d{0,100})(\[.*)", re.DOTALL).fullmatch
"""The packet of every ``call``'s ack and of most events: the root namespace, an optional id and
an array, parsed in one C call."""


def _decode_plain(text: str) -> SocketIOPacket | None:
    """``sio.Packet.decode`` for a packet without attachments (``None`` for one with them)."""
    common = _ROOT_WITH_ARRAY(text)
    if common is not None:
        kind, digits, data = common.groups()
        return SocketIOPacket(int(kind), "/", int(digits) if digits else None, _decode_json(data))
    kind = text[:1]
    if not kind.isdigit() or kind >= "5":
        return None
    rest = text[1:]
    dash = rest.find("-")
    if dash > 0 and rest[:dash].isdigit():
        return None  # an attachment count
    namespace = "/"
    if rest[:1] == "/":
        comma = rest.find(",")
        namespace, rest = (rest, "") if comma == -1 else (rest[:comma], rest[comma + 1 :])
        namespace = namespace.split("?", 1)[0]
    packet_id = None
    if rest[:1].isdigit():
        end = 1
        while end < len(rest) and end < 100 and rest[end].isdigit():
            end += 1
        if end < len(rest) and rest[end].isdigit():
            raise ValueError("id field is too long")
        packet_id, rest = int(rest[:end]), rest[end:]
    return SocketIOPacket(int(kind), namespace, packet_id, _decode_json(rest) if rest else None)


def decode_message(text: str) -> sio.Packet | SocketIOPacket:
    """A Socket.IO packet from the text after the Engine.IO ``4``; ``ValueError`` when malformed.
    A binary packet comes back with ``attachment_count`` > 0 and waits for ``add_attachment``."""
    try:
        packet = _decode_plain(text) or sio.Packet(encoded_packet=text)
    except (ValueError, TypeError, IndexError) as error:
        raise ValueError(f"malformed Socket.IO packet: {error}") from None
    if not sio.CONNECT <= packet.packet_type <= sio.BINARY_ACK:
        raise ValueError(f"unknown Socket.IO packet type {packet.packet_type}")
    if packet.packet_type in (sio.EVENT, sio.BINARY_EVENT) and not (
        isinstance(packet.data, list) and packet.data and isinstance(packet.data[0], str)
    ):
        raise ValueError("malformed Socket.IO event: no event name")
    if packet.namespace is None:
        packet.namespace = "/"
    return packet


def refusal_message(data: Any) -> str:
    """The server's reason from a ``CONNECT_ERROR`` payload (``{"message": ...}`` in v5)."""
    if isinstance(data, dict) and "message" in data:
        return str(data["message"])
    if data is None:
        return "refused by server"
    return str(data)
