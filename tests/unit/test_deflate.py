"""permessage-deflate (RFC 7692) without a socket: the offer, the checks on the server's answer,
the codec (context takeover, window bits, the tail, bombs) and the RSV1 rules of the frame parser.

The byte strings marked "RFC 7692 7.2.3.x" are the examples of that section."""

from __future__ import annotations

import os
import tracemalloc
import zlib

import pytest

from locust_ws.protocol.codes import Opcode
from locust_ws.protocol.connection import ClientProtocol, Initiator, Message
from locust_ws.protocol.deflate import (
    DeflateOptions,
    DeflateParameters,
    NegotiationError,
    PerMessageDeflate,
    deflate_options,
)
from locust_ws.protocol.frames import FrameParser, ProtocolViolation
from locust_ws.protocol.handshake import HandshakeError, check_extensions, parse_extensions

from ..support.faulty_server import BINARY, CLOSE, CONTINUATION, PING, TEXT, frame

HELLO = bytes.fromhex("f248cdc9c90700")
"""RFC 7692 7.2.3.1: "Hello" compressed in one DEFLATE block, tail removed."""
COMPRESSED = 4  # faulty_server.frame's rsv=4 sets RSV1


def negotiate(response: str, offer: DeflateOptions | None = None) -> DeflateParameters | None:
    return check_extensions({"sec-websocket-extensions": response}, offer or DeflateOptions())


def client_codec(**agreed: object) -> PerMessageDeflate:
    return PerMessageDeflate.for_client(DeflateParameters(**agreed), DeflateOptions())  # type: ignore[arg-type]


def server_inflater(window_bits: int = 15) -> zlib._Decompress:
    """What a server inflates our messages with (RFC 7692 7.2.2: append the tail first)."""
    return zlib.decompressobj(-window_bits)


def inflate(decoder: zlib._Decompress, data: bytes) -> bytes:
    return decoder.decompress(data + b"\x00\x00\xff\xff")


def deflated(data: bytes) -> bytes:
    """``data`` as a server compresses a message: raw DEFLATE, sync flush, tail removed."""
    encoder = zlib.compressobj(1, zlib.DEFLATED, -15)
    return (encoder.compress(data) + encoder.flush(zlib.Z_SYNC_FLUSH))[:-4]


# -- the offer -----------------------------------------------------------------------------------


def test_the_default_offer_is_a_browsers():
    assert DeflateOptions().offer() == "permessage-deflate; client_max_window_bits"


def test_the_offer_carries_every_parameter_asked_for():
    options = DeflateOptions(
        client_max_window_bits=10,
        server_max_window_bits=9,
        client_no_context_takeover=True,
        server_no_context_takeover=True,
    )
    assert options.offer() == (
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
        "server_max_window_bits=9; client_max_window_bits=10"
    )
    assert DeflateOptions(client_max_window_bits=False).offer() == "permessage-deflate"


@pytest.mark.parametrize(
    "options",
    [
        {"client_max_window_bits": 7},
        {"client_max_window_bits": 16},
        {"server_max_window_bits": 16},
        {"server_max_window_bits": True},
        {"level": 10},
        {"mem_level": 0},
    ],
)
def test_options_out_of_range_are_refused_before_any_handshake(options):
    with pytest.raises(ValueError, match=next(iter(options))):
        DeflateOptions(**options)


def test_compression_settings_name_the_same_offer():
    assert deflate_options("deflate") == deflate_options(True) == DeflateOptions()
    assert deflate_options(None) is None and deflate_options(False) is None
    assert deflate_options({"server_no_context_takeover": True}) == DeflateOptions(
        server_no_context_takeover=True
    )
    with pytest.raises(ValueError, match="compression must be"):
        deflate_options("gzip")
    with pytest.raises(TypeError):
        deflate_options({"window": 9})


def test_a_server_reads_an_offer_into_the_same_options():
    offer = DeflateOptions(server_max_window_bits=10, client_no_context_takeover=True)
    assert DeflateOptions.from_offer(parse_extensions(offer.offer())[0][1]) == offer
    assert DeflateOptions.from_offer([("client_max_window_bits", "9")]).client_max_window_bits == 9
    assert DeflateOptions.from_offer([]).client_max_window_bits is False  # not offered


@pytest.mark.parametrize(
    "params",
    [[("server_max_window_bits", None)], [("x", None)], [("client_max_window_bits", "16")]],
)
def test_a_server_declines_an_offer_it_cannot_read(params):
    with pytest.raises(NegotiationError):
        DeflateOptions.from_offer(params)


# -- the server's answer -------------------------------------------------------------------------


def test_a_bare_acceptance_keeps_context_takeover_and_32_kib_windows():
    assert negotiate("permessage-deflate") == DeflateParameters(15, 15, False, False)
    assert str(negotiate("permessage-deflate")) == "permessage-deflate"


def test_the_server_may_shrink_the_windows_and_impose_no_context_takeover():
    agreed = negotiate(
        'permessage-deflate; client_max_window_bits="9"; server_max_window_bits=10; '
        "client_no_context_takeover; server_no_context_takeover"
    )
    assert agreed == DeflateParameters(9, 10, True, True)
    assert str(agreed) == (
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
        "server_max_window_bits=10; client_max_window_bits=9"
    )


def test_offering_client_no_context_takeover_binds_us_even_if_the_server_is_silent():
    agreed = negotiate("permessage-deflate", DeflateOptions(client_no_context_takeover=True))
    assert agreed is not None and agreed.client_no_context_takeover


def test_no_extension_header_means_no_compression():
    assert check_extensions({}, DeflateOptions()) is None
    assert check_extensions({"sec-websocket-extensions": " "}, None) is None


@pytest.mark.parametrize(
    ("response", "offer", "problem"),
    [
        ("permessage-deflate", None, "did not offer"),
        ("x-webkit-deflate-frame", DeflateOptions(), "did not offer"),
        ("permessage-deflate, permessage-deflate", DeflateOptions(), "2 times"),
        ("permessage-deflate; foo", DeflateOptions(), "unknown parameter foo"),
        (
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            DeflateOptions(),
            "twice",
        ),
        ("permessage-deflate; server_no_context_takeover=1", DeflateOptions(), "takes no value"),
        ("permessage-deflate; server_max_window_bits=16", DeflateOptions(), "8-15"),
        ("permessage-deflate; server_max_window_bits=010", DeflateOptions(), "leading zeroes"),
        ("permessage-deflate; server_max_window_bits", DeflateOptions(), "8-15"),
        (
            "permessage-deflate; server_max_window_bits=12",
            DeflateOptions(server_max_window_bits=10),
            "exceeds",
        ),
        ("permessage-deflate", DeflateOptions(server_max_window_bits=10), "refused server_max_window_bits"),
        ("permessage-deflate", DeflateOptions(server_no_context_takeover=True), "refused server_no_context"),
        (
            "permessage-deflate; client_max_window_bits=9",
            DeflateOptions(client_max_window_bits=False),
            "not offered",
        ),
        (
            "permessage-deflate; client_max_window_bits=12",
            DeflateOptions(client_max_window_bits=10),
            "exceeds",
        ),
        ("permessage-deflate; client_max_window_bits", DeflateOptions(), "8-15"),
        ("permessage-deflate; client_max_window_bits=7", DeflateOptions(), "8-15"),
        ("permessage-deflate;", DeflateOptions(), "malformed"),
        ("permessage-deflate; a=b=c", DeflateOptions(), "malformed"),
    ],
)
def test_a_response_rfc_7692_says_to_fail_on_fails_the_handshake(response, offer, problem):
    with pytest.raises(HandshakeError, match="Invalid WebSocket Header") as failed:
        check_extensions({"sec-websocket-extensions": response}, offer)
    assert problem in str(failed.value)


def test_the_extension_header_grammar_allows_lists_quotes_and_empty_elements():
    assert parse_extensions(' , permessage-deflate ; a ; b="x\\y" , other;c=1') == [
        ("permessage-deflate", [("a", None), ("b", "xy")]),
        ("other", [("c", "1")]),
    ]
    with pytest.raises(HandshakeError, match="malformed"):
        parse_extensions('permessage-deflate; a="not a token"')


# -- the codec -----------------------------------------------------------------------------------


def test_compressed_messages_are_the_rfc_examples_with_context_takeover():
    codec = client_codec()
    assert codec.compress(b"Hello") == HELLO
    assert codec.compress(b"Hello") == bytes.fromhex("f200110000")  # 7.2.3.2: a back-reference


def test_without_context_takeover_every_message_stands_alone():
    codec = client_codec(client_no_context_takeover=True)
    first, second = codec.compress(b"Hello"), codec.compress(b"Hello")
    assert first == second == HELLO
    assert inflate(server_inflater(), second) == b"Hello"  # a fresh inflater reads the second alone


def test_context_takeover_makes_repeated_messages_cheaper():
    message = b'{"op":"chat","room":"lobby","text":"hello there, how is the load test going?"}'
    shared, alone = client_codec(), client_codec(client_no_context_takeover=True)
    sizes_shared = [len(shared.compress(message)) for _ in range(5)]
    sizes_alone = [len(alone.compress(message)) for _ in range(5)]
    assert sizes_shared[-1] < sizes_alone[-1] == sizes_alone[0]


def test_the_agreed_window_bounds_back_references():
    phrase = os.urandom(300)
    message = phrase + os.urandom(700) + phrase  # a repeat 1000 bytes back: beyond a 512-byte window
    small = client_codec(client_max_window_bits=9).compress(message)
    large = client_codec().compress(message)
    assert len(large) < len(small)  # only the 32 KiB window reaches the repeat
    assert inflate(server_inflater(9), small) == message


def test_an_8_bit_window_is_honoured_with_huffman_coding_zlib_cannot_do_8_bits():
    message = b"abcdefgh" * 200  # would compress to back-references 8 bytes away
    compressed = client_codec(client_max_window_bits=8).compress(message)
    assert inflate(server_inflater(8), compressed) == message
    assert len(compressed) < len(message)  # still compressed, by Huffman codes alone


def test_an_empty_message_is_a_single_zero_octet():
    codec = client_codec()
    assert codec.compress(b"") == b"\x00"
    assert codec.decompress(b"\x00") == b""


def test_the_codec_inflates_the_rfc_examples():
    assert client_codec().decompress(HELLO) == b"Hello"
    # 7.2.3.3: a stored (uncompressed) block; 7.2.3.4: BFINAL set; 7.2.3.5: two blocks
    for example in ("0005 00faff 48656c6c6f 00", "f348cdc9c90700 00", "f24805000000ffff cac9c90700"):
        assert client_codec().decompress(bytes.fromhex(example)) == b"Hello"
    codec = client_codec()
    assert [codec.decompress(HELLO), codec.decompress(bytes.fromhex("f200110000"))] == [b"Hello", b"Hello"]


def test_a_final_block_starts_a_new_stream_for_the_next_message():
    codec = client_codec()
    assert codec.decompress(bytes.fromhex("f348cdc9c9070000")) == b"Hello"  # 7.2.3.4, BFINAL
    assert codec.decompress(HELLO) == b"Hello"


def test_a_message_inflated_in_pieces_is_bounded_as_a_whole():
    compressed = deflated(os.urandom(600) * 2)
    codec = client_codec()
    first = codec.decompress(compressed[:300], fin=False, max_size=1200)
    assert len(first + codec.decompress(compressed[300:], fin=True, max_size=1200)) == 1200
    codec.decompress(compressed[:300], fin=False, max_size=1199)
    with pytest.raises(ProtocolViolation) as too_big:
        codec.decompress(compressed[300:], fin=True, max_size=1199)
    assert too_big.value.code == 1009


def test_a_zip_bomb_fails_with_1009_without_being_inflated():
    encoder = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = bytes(1024 * 1024)
    bomb = b"".join(encoder.compress(chunk) for _ in range(64)) + encoder.flush(zlib.Z_SYNC_FLUSH)
    assert len(bomb) < 100 * 1024  # 64 MiB in less than 100 KiB
    codec = client_codec()
    tracemalloc.start()
    try:
        with pytest.raises(ProtocolViolation) as refused:
            codec.decompress(bomb[:-4], max_size=1024 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refused.value.code == 1009
    assert peak < 8 * 1024 * 1024  # about the limit was inflated, never the bomb


def test_invalid_deflate_data_is_a_protocol_error():
    with pytest.raises(ProtocolViolation) as broken:
        client_codec().decompress(b"\xff\xff\xff\xff")
    assert broken.value.code == 1002 and "invalid compressed data" in broken.value.detail


def test_the_codec_counts_messages_bytes_and_cpu_and_take_resets_them():
    ticks = iter(range(0, 10_000, 100))
    codec = PerMessageDeflate(DeflateParameters(), 15, True, 15, clock=lambda: next(ticks))
    assert codec.take() is None
    sent = codec.compress(b"Hello")
    codec.decompress(HELLO)
    assert codec.take() == (1, 5, len(HELLO), 100, 1, 5, len(sent), 100)
    assert codec.take() is None


# -- RSV1 in the frame parser --------------------------------------------------------------------


def deflating_parser(max_message_size: int = 0) -> FrameParser:
    return FrameParser(max_message_size, True, client_codec())


def test_a_compressed_message_is_inflated_and_an_uncompressed_one_passes_as_is():
    parser = deflating_parser()
    frames = parser.feed(frame(TEXT, HELLO, rsv=COMPRESSED) + frame(BINARY, b"plain"))
    assert frames == [(Opcode.TEXT, b"Hello"), (Opcode.BINARY, b"plain")]
    assert parser.error is None


def test_a_fragmented_compressed_message_sets_rsv1_on_its_first_frame_only():
    # RFC 7692 7.2.3.1, fragmented: 0x41 0x03 0xf2 0x48 0xcd, then 0x80 0x04 0xc9 0xc9 0x07 0x00
    parser = deflating_parser()
    data = (
        frame(TEXT, HELLO[:3], fin=False, rsv=COMPRESSED) + frame(PING, b"p") + frame(CONTINUATION, HELLO[3:])
    )
    assert parser.feed(data) == [(PING, b"p"), (Opcode.TEXT, b"Hello")]


@pytest.mark.parametrize(
    ("data", "code", "detail"),
    [
        (frame(PING, b"p", rsv=COMPRESSED), 1002, "control frame"),
        (frame(CLOSE, b"", rsv=COMPRESSED), 1002, "control frame"),
        (
            frame(TEXT, HELLO[:3], fin=False, rsv=COMPRESSED)
            + frame(CONTINUATION, HELLO[3:], rsv=COMPRESSED),
            1002,
            "continuation",
        ),
        (frame(TEXT, HELLO, rsv=2), 1002, "reserved bits"),
        (frame(TEXT, HELLO, rsv=COMPRESSED | 1), 1002, "reserved bits"),
        (frame(TEXT, deflated(b"ok \xff\xfe"), rsv=COMPRESSED), 1007, "invalid UTF-8"),
        (frame(BINARY, b"\xff\xff\xff", rsv=COMPRESSED), 1002, "invalid compressed data"),
    ],
)
def test_rsv1_rules_and_inflated_content_are_enforced(data, code, detail):
    parser = deflating_parser()
    parser.feed(data)
    assert parser.error is not None
    assert (parser.error.code, detail in parser.error.detail) == (code, True), parser.error.detail


def test_rsv1_without_a_negotiated_extension_is_a_protocol_error():
    parser = FrameParser()
    assert parser.feed(frame(TEXT, HELLO, rsv=COMPRESSED)) == []
    assert parser.error is not None and parser.error.code == 1002


def test_max_message_size_bounds_the_inflated_size_and_the_compressed_one():
    message = b"x" * 5000
    compressed = deflated(message)
    inflated_too_big = deflating_parser(4999)
    inflated_too_big.feed(frame(BINARY, compressed, rsv=COMPRESSED))
    assert inflated_too_big.error is not None and inflated_too_big.error.code == 1009
    assert deflating_parser(5000).feed(frame(BINARY, compressed, rsv=COMPRESSED)) == [
        (Opcode.BINARY, message)
    ]
    wire_too_big = deflating_parser(10)
    wire_too_big.feed(frame(BINARY, compressed, rsv=COMPRESSED)[:4])  # refused from its header alone
    assert wire_too_big.error is not None and wire_too_big.error.code == 1009


# -- the client protocol -------------------------------------------------------------------------


def test_the_protocol_compresses_what_it_sends_with_rsv1_set():
    protocol = ClientProtocol(deflate=client_codec())
    data = protocol.send_message(b"Hello", Opcode.TEXT)
    assert data[0] == 0x80 | 0x40 | Opcode.TEXT  # FIN, RSV1, text
    assert data[1] == 0x80 | len(HELLO)  # masked, the compressed length
    assert protocol.send_ping(b"p", now=1.0)[0] == 0x80 | PING  # control frames never compressed


def test_a_bomb_fails_the_connection_with_1009():
    protocol = ClientProtocol(max_message_size=1000, deflate=client_codec())
    bomb = deflated(bytes(100_000))
    assert protocol.receive_data(frame(TEXT, HELLO, rsv=COMPRESSED), now=1.0) == [
        Message(Opcode.TEXT, b"Hello")
    ]
    [closed] = protocol.receive_data(frame(BINARY, bomb, rsv=COMPRESSED), now=1.1)
    assert (closed.code, closed.initiator) == (1009, Initiator.PROTOCOL)
