"""The sans-I/O client protocol: bytes in, events and bytes out, with no socket and no sleep."""

from __future__ import annotations

import ast
import pkgutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

import locust_ws.protocol
from locust_ws.protocol.codes import CloseCode, Opcode
from locust_ws.protocol.connection import (
    ClientProtocol,
    Closed,
    Initiator,
    InvalidState,
    Message,
    Pong,
    State,
)
from locust_ws.protocol.frames import FrameParser, mask

from ..support.faulty_server import BINARY, CLOSE, CONTINUATION, PING, PONG, TEXT, close_frame, frame


def sent_frames(data: bytes) -> list[tuple[int, bytes]]:
    """Our own (masked) client frames, unmasked: what a server would read."""
    frames, position = [], 0
    while position < len(data):
        first, second = data[position], data[position + 1]
        assert second & 0x80, "client frames are masked"
        length, start = second & 0x7F, position + 2
        if length == 126:
            (length,) = struct.unpack_from("!H", data, start)
            start += 2
        elif length == 127:
            (length,) = struct.unpack_from("!Q", data, start)
            start += 8
        key = data[start : start + 4]
        payload = mask(key, data[start + 4 : start + 4 + length])
        frames.append((first & 0x0F, payload))
        position = start + 4 + length
    return frames


def test_messages_and_fragments_come_out_whole():
    protocol = ClientProtocol()
    events = protocol.receive_data(
        frame(TEXT, b"he", fin=False)
        + frame(PING, b"p")
        + frame(CONTINUATION, b"llo")
        + frame(BINARY, b"\x00"),
        now=1.0,
    )
    assert events == [Message(Opcode.TEXT, b"hello"), Message(Opcode.BINARY, b"\x00")]
    assert sent_frames(protocol.data_to_send()) == [(PONG, b"p")]  # the ping answered, same payload
    assert protocol.data_to_send() == b""


def test_a_pong_carries_the_round_trip_of_the_ping_it_answers():
    protocol = ClientProtocol()
    assert sent_frames(protocol.send_ping(b"7", now=10.0)) == [(PING, b"7")]
    assert protocol.ping_in_flight
    [pong] = protocol.receive_data(frame(PONG, b"7"), now=10.25)
    assert pong == Pong(b"7", pytest.approx(0.25))
    assert not protocol.ping_in_flight


def test_an_unsolicited_pong_has_no_round_trip():
    protocol = ClientProtocol()
    assert protocol.receive_data(frame(PONG, b"x"), now=1.0) == [Pong(b"x", None)]


def test_a_server_close_is_answered_with_its_code_and_ends_the_connection():
    protocol = ClientProtocol()
    [closed] = protocol.receive_data(close_frame(4001, b"go away"), now=1.0)
    assert closed == Closed(4001, "go away", Initiator.SERVER)
    assert protocol.state is State.CLOSED
    assert sent_frames(protocol.data_to_send()) == [(CLOSE, struct.pack("!H", 4001))]
    with pytest.raises(InvalidState):
        protocol.send_message(b"late", Opcode.TEXT)


def test_an_empty_close_frame_is_1005_and_answered_with_1000():
    protocol = ClientProtocol()
    [closed] = protocol.receive_data(frame(CLOSE, b""), now=1.0)
    assert closed == Closed(CloseCode.NO_STATUS, "", Initiator.SERVER)
    assert sent_frames(protocol.data_to_send()) == [(CLOSE, struct.pack("!H", 1000))]


def test_our_close_completes_when_the_server_answers():
    protocol = ClientProtocol()
    assert sent_frames(protocol.send_close(1000, "bye")) == [(CLOSE, struct.pack("!H", 1000) + b"bye")]
    assert protocol.state is State.CLOSING
    assert protocol.send_close() == b""  # one close frame only
    # data still arrives while the server has not answered (RFC 6455 7.1.2)
    assert protocol.receive_data(frame(TEXT, b"in flight"), now=1.0) == [Message(Opcode.TEXT, b"in flight")]
    [closed] = protocol.receive_data(close_frame(1000), now=1.1)
    assert closed == Closed(1000, "", Initiator.CLIENT)
    assert protocol.data_to_send() == b""  # nothing to answer: our close was the first
    assert protocol.state is State.CLOSED


def test_no_pong_is_sent_for_a_ping_after_our_close():
    protocol = ClientProtocol()
    protocol.send_close()
    assert protocol.receive_data(frame(PING, b"p"), now=1.0) == []
    assert protocol.data_to_send() == b""


@pytest.mark.parametrize(
    ("data", "code", "detail"),
    [
        (close_frame(999), 1002, "invalid close code 999"),
        (close_frame(1005), 1002, "invalid close code 1005"),
        (frame(TEXT, b"x", rsv=4), 1002, "reserved bits"),
        (frame(TEXT, b"\xff"), 1007, "invalid UTF-8"),
        (frame(CONTINUATION, b"x"), 1002, "continuation frame without a message"),
    ],
)
def test_a_violation_fails_the_connection_with_its_code(data, code, detail):
    protocol = ClientProtocol()
    [closed] = protocol.receive_data(data, now=1.0)
    assert closed.initiator is Initiator.PROTOCOL
    assert closed.code == code
    assert detail in closed.reason
    assert sent_frames(protocol.data_to_send()) == [(CLOSE, struct.pack("!H", code))]
    assert protocol.receive_data(frame(TEXT, b"after"), now=1.1) == []


def test_messages_before_a_violation_are_delivered_before_the_connection_fails():
    protocol = ClientProtocol()
    events = protocol.receive_data(frame(TEXT, b"first") + frame(TEXT, b"x", rsv=2), now=1.0)
    assert events == [Message(Opcode.TEXT, b"first")]
    assert protocol.failure_pending
    assert protocol.state is State.OPEN  # the caller may still answer "first"
    protocol.send_message(b"first", Opcode.TEXT)
    [closed] = protocol.receive_data(b"", now=1.1)
    assert (closed.code, closed.initiator) == (1002, Initiator.PROTOCOL)


def test_the_end_of_the_stream_without_a_close_frame_is_1006():
    protocol = ClientProtocol()
    closed = protocol.receive_eof("no pong within 10 s")
    assert closed == Closed(CloseCode.ABNORMAL, "no pong within 10 s", Initiator.LOST)
    assert protocol.receive_eof() == closed  # the first reason stands


def test_the_end_of_the_stream_after_the_closing_handshake_keeps_its_close():
    protocol = ClientProtocol()
    protocol.receive_data(close_frame(1000), now=1.0)
    assert protocol.receive_eof().initiator is Initiator.SERVER


def test_invalid_utf8_fails_in_the_fragment_that_breaks_it():
    parser = FrameParser()
    assert parser.feed(frame(TEXT, "κό".encode(), fin=False)) == []
    assert parser.error is None
    parser.feed(frame(CONTINUATION, b"\xf4\x90\x80\x80", fin=False))  # beyond U+10FFFF
    assert parser.error is not None and parser.error.code == 1007


def test_invalid_utf8_fails_before_the_rest_of_its_frame_arrives():
    parser = FrameParser()
    whole = frame(TEXT, b"valid start \xc0\xaf" + b"x" * 10_000)
    assert parser.feed(whole[:40]) == []
    assert parser.error is not None and parser.error.code == 1007


def test_a_sequence_split_across_fragments_and_reads_is_valid():
    parser = FrameParser()
    euro = "€".encode()
    data = frame(TEXT, b"a" + euro[:1], fin=False) + frame(CONTINUATION, euro[1:] + b"b")
    frames = [f for position in range(len(data)) for f in parser.feed(data[position : position + 1])]
    assert frames == [(TEXT, b"a" + euro + b"b")]
    assert parser.error is None


def test_a_truncated_sequence_at_the_end_of_a_message_is_invalid():
    parser = FrameParser()
    parser.feed(frame(TEXT, b"a\xe2\x82", fin=False) + frame(CONTINUATION, b""))
    assert parser.error is not None and parser.error.code == 1007


def test_many_empty_fragments_cost_no_memory_per_fragment():
    parser = FrameParser()
    empties = frame(CONTINUATION, b"", fin=False) * 100_000
    parser.feed(frame(BINARY, b"x", fin=False) + empties)
    assert parser.feed(frame(CONTINUATION, b"y")) == [(BINARY, b"xy")]


IO_MODULES = ("gevent", "locust", "locust_ws.demo", "socket", "websocket")
THIRD_PARTY_PACKETS = {"socketio_packets"}
"""Uses python-socketio's own packet classes, and ``import socketio.packet`` runs the package's
``__init__``, which imports its clients (and websocket-client with them): the one import of
protocol/ that brings I/O modules along, none of ours."""


def protocol_modules() -> list[str]:
    import locust_ws.protocol as protocol

    return [module.name for module in pkgutil.iter_modules(protocol.__path__)]


def test_no_module_of_the_protocol_layer_imports_io_or_locust():
    for name in protocol_modules():
        tree = ast.parse((Path(locust_ws.protocol.__file__).parent / f"{name}.py").read_text())
        imported = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level:
                imported.add(node.module or "")
        io = {
            module
            for module in imported
            if module.split(".")[0] in ("gevent", "locust", "socket", "websocket")
        }
        assert not io, name
        assert not any(module.startswith("locust_ws") for module in imported), name  # relative only


def test_importing_the_protocol_layer_loads_no_io_and_no_locust():
    """In a fresh interpreter: ``import locust_ws.protocol.frames`` (and every other pure module)
    brings in no gevent, socket, websocket-client, Locust or demo server."""
    names = [name for name in protocol_modules() if name not in THIRD_PARTY_PACKETS]
    assert len(names) >= 7
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module('locust_ws.protocol.' + name)\n"
        f"print([m for m in {IO_MODULES!r} if m in sys.modules])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
