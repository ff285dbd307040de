"""The RFC 6455 frame codec without sockets: what a client sends, and what it accepts from a server."""

from __future__ import annotations

import os
import struct

import pytest

from locust_ws.protocol import frames
from locust_ws.protocol.frames import (
    OPCODE_BINARY,
    OPCODE_CLOSE,
    OPCODE_PING,
    OPCODE_PONG,
    OPCODE_TEXT,
    FrameParser,
    MaskKeys,
    ProtocolViolation,
    close_payload,
    encode_frame,
    mask,
    parse_close,
)

from ..support.faulty_server import CLOSE, CONTINUATION, PING, TEXT, close_frame, frame


def parse_all(data: bytes, **options) -> list:
    return FrameParser(**options).feed(data)


def test_client_frames_are_masked_and_unmask_to_the_payload():
    payload = "héllo".encode()
    encoded = encode_frame(OPCODE_TEXT, payload, b"\x01\x02\x03\x04")
    assert encoded[0] == 0x81  # FIN + text
    assert encoded[1] == 0x80 | len(payload)  # mask bit + length
    assert encoded[2:6] == b"\x01\x02\x03\x04"
    assert mask(b"\x01\x02\x03\x04", encoded[6:]) == payload


@pytest.mark.parametrize(("size", "header"), [(125, 2), (126, 4), (65535, 4), (65536, 10)])
def test_payload_lengths_use_the_shortest_encoding(size, header):
    encoded = encode_frame(OPCODE_BINARY, b"x" * size, b"abcd")
    assert len(encoded) == header + 4 + size
    assert mask(b"abcd", encoded[header + 4 :]) == b"x" * size


MASKERS = {"c": frames._c_apply_mask(), "python": frames._python_apply_mask}


@pytest.fixture(params=sorted(MASKERS))
def masker(request, monkeypatch):
    """``encode_frame`` with each masking path: websockets' C ``apply_mask`` and the pure-Python
    fallback (the C one is skipped where the ``websockets`` package is missing)."""
    apply_mask = MASKERS[request.param]
    if apply_mask is None:
        pytest.skip("websockets (the speedups extra) is not installed: no C masking")
    monkeypatch.setattr(frames, "apply_mask", apply_mask)
    return request.param


@pytest.mark.parametrize("size", [0, 1, 3, 4, 5, 64, 125, 126, 4099, 65536])
def test_both_masking_paths_unmask_to_the_payload(masker, size):
    payload = os.urandom(size)
    key = os.urandom(4)
    encoded = encode_frame(OPCODE_BINARY, payload, key)
    header = 2 if size < 126 else 4 if size < 65536 else 10
    assert encoded[header : header + 4] == key
    unmasked = bytes(byte ^ key[index % 4] for index, byte in enumerate(encoded[header + 4 :]))
    assert unmasked == payload


def test_frames_are_masked_in_c_when_websockets_is_installed():
    speedups = pytest.importorskip("websockets.speedups")
    encode_frame(OPCODE_TEXT, b"x", b"abcd")  # the first frame chooses the masking path
    assert frames.apply_mask is speedups.apply_mask


def test_masking_keys_differ_frame_to_frame():
    keys = MaskKeys()
    drawn = [keys.next() for _ in range(2000)]  # crosses the 4 KiB pool boundary
    assert all(len(key) == 4 for key in drawn)
    assert len(set(drawn)) > 1900


def test_several_frames_in_one_read_and_one_frame_over_many_reads():
    parser = FrameParser()
    data = frame(TEXT, b"one") + frame(0x2, b"\x00two") + frame(TEXT, b"x" * 70000)
    assert parser.feed(data[:3]) == []
    frames = parser.feed(data[3:25])
    assert frames == [(OPCODE_TEXT, b"one"), (OPCODE_BINARY, b"\x00two")]
    assert parser.wanted > 60000  # the reader may ask for the rest at once
    frames = []
    for start in range(25, len(data), 1000):
        frames += parser.feed(data[start : start + 1000])
    assert frames == [(OPCODE_TEXT, b"x" * 70000)]


def test_fragments_are_reassembled_around_control_frames():
    data = (
        frame(TEXT, b"hel", fin=False)
        + frame(PING, b"p1")
        + frame(CONTINUATION, b"lo ", fin=False)
        + frame(CONTINUATION, b"world")
    )
    assert parse_all(data) == [(OPCODE_PING, b"p1"), (OPCODE_TEXT, b"hello world")]


@pytest.mark.parametrize(
    ("data", "code", "detail"),
    [
        (frame(TEXT, b"masked", masked=True), 1002, "masked frame"),
        (frame(TEXT, b"x", rsv=4), 1002, "reserved bits"),
        (frame(0x3, b"x"), 1002, "reserved opcode 3"),
        (frame(PING, b"x", fin=False), 1002, "control frame"),
        (frame(PING, b"x" * 126), 1002, "control frame"),
        (frame(CONTINUATION, b"x"), 1002, "continuation frame without a message"),
        (frame(TEXT, b"a", fin=False) + frame(TEXT, b"b"), 1002, "new data frame inside a fragmented"),
        (frame(TEXT, b"\xff\xfe"), 1007, "invalid UTF-8"),
        (frame(TEXT, b"\xe2\x82", fin=False) + frame(CONTINUATION, b"\xff"), 1007, "invalid UTF-8"),
        (close_frame(999), 1002, "invalid close code 999"),
        (frame(CLOSE, b"\x03"), 1002, "invalid close frame"),
        (close_frame(1000, b"\xff"), 1007, "invalid close frame"),
    ],
)
def test_protocol_violations_name_the_close_code(data, code, detail):
    parser = FrameParser()
    good = frame(TEXT, b"before")
    assert parser.feed(good + data + frame(TEXT, b"after")) == [(OPCODE_TEXT, b"before")]
    assert parser.error is not None
    assert parser.error.code == code
    assert detail in parser.error.detail
    assert parser.feed(frame(TEXT, b"later")) == []  # nothing after a violation is delivered


@pytest.mark.parametrize(
    ("reads", "code", "detail", "options"),
    [
        ([frame(TEXT, b"\xff\xfe")], 1007, "invalid UTF-8", {}),
        ([frame(TEXT, b"a", fin=False), frame(TEXT, b"b")], 1002, "new data frame inside a fragmented", {}),
        ([frame(0x2, b"x" * 20)], 1009, "20 bytes exceeds max_message_size 10", {"max_message_size": 10}),
        ([frame(TEXT, b"x", rsv=4)], 1002, "reserved bits", {}),
        ([frame(TEXT, b"masked", masked=True)], 1002, "masked frame", {}),
    ],
)
def test_a_read_of_one_short_frame_follows_the_same_rules(reads, code, detail, options):
    """One whole short frame per read takes a shorter path through ``feed``; it refuses the same."""
    parser = FrameParser(**options)
    assert parser.feed(frame(TEXT, b"ok")) == [(OPCODE_TEXT, b"ok")]
    for data in reads:
        assert parser.feed(data) == []
    assert parser.error is not None
    assert (parser.error.code, detail in parser.error.detail) == (code, True), parser.error.detail
    assert parser.feed(frame(TEXT, b"later")) == []


def test_a_read_of_one_short_frame_after_a_partial_one_completes_both():
    parser = FrameParser()
    first = frame(TEXT, b"first")
    assert parser.feed(first[:3]) == []
    assert parser.feed(first[3:]) == [(OPCODE_TEXT, b"first")]
    assert parser.feed(frame(0x2, b"\x00")) == [(OPCODE_BINARY, b"\x00")]
    assert parse_all(frame(TEXT, b"\xff"), validate_utf8=False) == [(OPCODE_TEXT, b"\xff")]


def test_utf8_validation_can_be_turned_off():
    assert parse_all(frame(TEXT, b"\xff"), validate_utf8=False) == [(OPCODE_TEXT, b"\xff")]


def test_message_size_limit_is_checked_on_the_header_before_the_payload_arrives():
    parser = FrameParser(max_message_size=1000)
    header_only = frame(0x2, b"x" * 5000)[:4]
    assert parser.feed(header_only) == []
    assert isinstance(parser.error, ProtocolViolation)
    assert parser.error.code == 1009
    assert "5000 bytes exceeds max_message_size 1000" in parser.error.detail


def test_message_size_limit_counts_every_fragment():
    parser = FrameParser(max_message_size=10)
    parser.feed(frame(TEXT, b"123456", fin=False) + frame(CONTINUATION, b"789012"))
    assert parser.error is not None and parser.error.code == 1009


def test_close_frames_carry_code_and_reason():
    [(opcode, payload)] = parse_all(close_frame(4001, b"bye"))
    assert opcode == OPCODE_CLOSE
    assert parse_close(payload) == (4001, "bye")
    assert parse_close(b"") == (1005, "")
    assert close_payload(1000, "done") == struct.pack("!H", 1000) + b"done"


def test_pong_frames_are_handed_over():
    assert parse_all(frame(0xA, b"7")) == [(OPCODE_PONG, b"7")]
