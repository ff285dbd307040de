"""permessage-deflate (RFC 7692): what a client offers, how it checks the server's answer, and the
codec that compresses and inflates whole messages with the stdlib's ``zlib``.

Compression trades CPU for bandwidth, and a load test is where that trade-off is measured: the
codec counts, per direction, the messages it handled, their payload bytes, their bytes on the
wire and the thread CPU time (nanoseconds) spent in zlib, for the sessions to report.

Pure logic, no sockets: ``handshake.py`` parses the ``Sec-WebSocket-Extensions`` header and hands
the permessage-deflate element to ``DeflateOptions.accept``; ``frames.FrameParser`` inflates the
messages whose first frame has RSV1 set and ``connection.ClientProtocol`` compresses what it
sends. The codec is role-agnostic (it knows the window it compresses with and the one it inflates
with), so the demo server compresses with it too.

Memory is the other cost: a connection that compresses holds a zlib deflate state, allocated on
its first message sent, and an inflate state, on its first message received: about 240 KiB
together at the default windows and ``mem_level`` (175 KiB at ``mem_level=5``, 17 KiB with 9-bit
windows and ``mem_level=1``).
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any

from .frames import ProtocolViolation

EXTENSION = "permessage-deflate"
TAIL = b"\x00\x00\xff\xff"
"""RFC 7692 7.2.1: the empty stored block that ends a sync flush, stripped from every compressed
message before it is sent and appended again before it is inflated (7.2.2)."""
MIN_WINDOW_BITS, MAX_WINDOW_BITS = 8, 15
_WINDOW_BITS_VALUES = frozenset(str(bits) for bits in range(MIN_WINDOW_BITS, MAX_WINDOW_BITS + 1))

Params = Sequence[tuple[str, str | None]]
"""An extension element's parameters as they came, in order: ``(name, value or None)``."""


class NegotiationError(ValueError):
    """The server's permessage-deflate response is one RFC 7692 section 7 says to fail on."""


@dataclass(frozen=True)
class DeflateOptions:
    """What a client asks of permessage-deflate, and how hard it compresses.

    The four parameters are RFC 7692's (section 7.1). The defaults offer what browsers offer,
    ``permessage-deflate; client_max_window_bits``: context takeover both ways, 32 KiB windows,
    and the server free to shrink our window."""

    client_max_window_bits: int | bool = True
    """``True``: offer the parameter without a value, so the server may limit the window we
    compress with (7.1.2.2); an int (8-15): we compress with at most ``2**N`` bytes of window;
    ``False``: leave the parameter out (the server must then accept a 32 KiB window)."""
    server_max_window_bits: int | None = None
    """8-15: ask the server to compress with at most ``2**N`` bytes of window (less memory for
    our inflate state); ``None``: let it use up to 32 KiB."""
    client_no_context_takeover: bool = False
    """Compress every message on its own (RFC 7692 7.1.1.2): worse ratio, no history to keep
    between messages. The server may also impose it."""
    server_no_context_takeover: bool = False
    """Ask the server to compress every message on its own (7.1.1.1); it must agree or the
    handshake fails."""
    level: int = zlib.Z_DEFAULT_COMPRESSION
    """zlib's compression level for what we send: 0 (stored) to 9 (smallest, most CPU); -1 is
    zlib's default (6)."""
    mem_level: int = zlib.DEF_MEM_LEVEL
    """zlib's memory level (1-9) for what we send: lower saves memory per connection and costs
    ratio."""

    def __post_init__(self) -> None:
        window_bits = range(MIN_WINDOW_BITS, MAX_WINDOW_BITS + 1)
        client, server = self.client_max_window_bits, self.server_max_window_bits
        if not isinstance(client, bool) and client not in window_bits:
            raise ValueError(f"client_max_window_bits must be True, False or 8-15, not {client!r}")
        if server is not None and (isinstance(server, bool) or server not in window_bits):
            raise ValueError(f"server_max_window_bits must be None or 8-15, not {server!r}")
        if self.level not in range(-1, 10):
            raise ValueError(f"level must be -1 (zlib's default) or 0-9, not {self.level!r}")
        if self.mem_level not in range(1, 10):
            raise ValueError(f"mem_level must be 1-9, not {self.mem_level!r}")

    @classmethod
    def from_offer(cls, params: Params) -> DeflateOptions:
        """A client's offer as a server reads it. RFC 7692 7: "A server MUST decline an extension
        negotiation offer for this extension if any of the following conditions are met: the
        negotiation offer contains an extension parameter not defined for use in an offer; ... an
        extension parameter with an invalid value; ... multiple extension parameters with the
        same name" (``NegotiationError``)."""
        seen = _unique(params)
        _no_values(seen)
        client_bits: int | bool = "client_max_window_bits" in seen
        if seen.get("client_max_window_bits") is not None:  # 7.1.2.2: "no value or a decimal integer"
            client_bits = _window_bits("client_max_window_bits", seen["client_max_window_bits"])
        server_bits = None
        if "server_max_window_bits" in seen:  # 7.1.2.1: it has a value
            server_bits = _window_bits("server_max_window_bits", seen["server_max_window_bits"])
        return cls(
            client_max_window_bits=client_bits,
            server_max_window_bits=server_bits,
            client_no_context_takeover="client_no_context_takeover" in seen,
            server_no_context_takeover="server_no_context_takeover" in seen,
        )

    def offer(self) -> str:
        """The ``Sec-WebSocket-Extensions`` value of our upgrade request (one offer)."""
        return extension_element(
            self.server_no_context_takeover,
            self.client_no_context_takeover,
            self.server_max_window_bits,
            self.client_max_window_bits,
        )

    def accept(self, params: Params) -> DeflateParameters:
        """What the connection uses, from the parameters of the server's permessage-deflate
        element. Raises ``NegotiationError`` for each case of RFC 7692 section 7:

            "A client MUST _Fail the WebSocket Connection_ if the peer server accepted an
            extension negotiation offer for this extension with an extension negotiation
            response meeting any of the following conditions: the negotiation response contains
            an extension parameter not defined for use in a response; ... an extension parameter
            with an invalid value; ... multiple extension parameters with the same name; the
            client does not support the configuration that the response represents."
        """
        seen = _unique(params)
        _no_values(seen)
        if self.server_no_context_takeover and "server_no_context_takeover" not in seen:
            # 7.1.1.1: "A server accepts an extension negotiation offer that includes the
            # server_no_context_takeover extension parameter by including the
            # server_no_context_takeover extension parameter in the corresponding extension
            # negotiation response"
            raise NegotiationError(f"{EXTENSION}: the server refused server_no_context_takeover")
        server_bits = self._server_window_bits(seen)
        client_bits = self._client_window_bits(seen)
        return DeflateParameters(
            client_max_window_bits=client_bits,
            server_max_window_bits=server_bits,
            # 7.1.1.2: "By including the client_no_context_takeover extension parameter in an
            # extension negotiation response, a server prevents the peer client from using
            # context takeover." Offering it is our own promise (a hint) to do without.
            client_no_context_takeover=self.client_no_context_takeover
            or "client_no_context_takeover" in seen,
            server_no_context_takeover="server_no_context_takeover" in seen,
        )

    def _server_window_bits(self, seen: dict[str, str | None]) -> int:
        """7.1.2.1: "A server accepts an extension negotiation offer with this parameter by
        including the server_max_window_bits extension parameter in the extension negotiation
        response to send back to the client with the same or smaller value as the offer." It may
        also include it unasked, which only shrinks the window we inflate with."""
        if "server_max_window_bits" not in seen:
            if self.server_max_window_bits is not None:
                raise NegotiationError(f"{EXTENSION}: the server refused server_max_window_bits")
            return MAX_WINDOW_BITS
        bits = _window_bits("server_max_window_bits", seen["server_max_window_bits"])
        if self.server_max_window_bits is not None and bits > self.server_max_window_bits:
            offered = self.server_max_window_bits
            raise NegotiationError(f"{EXTENSION}: server_max_window_bits={bits} exceeds the {offered} asked")
        return bits

    def _client_window_bits(self, seen: dict[str, str | None]) -> int:
        """7.1.2.2: "If a received extension negotiation offer doesn't have the
        client_max_window_bits extension parameter, the corresponding extension negotiation
        response to the offer MUST NOT include the client_max_window_bits extension parameter."
        When present it limits our window "with a value equal to or smaller than the received
        value"; its absence means the server takes windows "of up to 32,768 bytes"."""
        offered = self.client_max_window_bits
        limit = MAX_WINDOW_BITS if offered is True or offered is False else offered
        if "client_max_window_bits" not in seen:
            return limit
        if offered is False:
            raise NegotiationError(f"{EXTENSION}: client_max_window_bits in the response but not offered")
        bits = _window_bits("client_max_window_bits", seen["client_max_window_bits"])
        if bits > limit:
            raise NegotiationError(f"{EXTENSION}: client_max_window_bits={bits} exceeds the {limit} offered")
        return bits


_PARAMETERS = frozenset(field.name for field in fields(DeflateOptions)[:4])
"""The four of RFC 7692 7.1, the same in an offer and in a response."""


def _unique(params: Params) -> dict[str, str | None]:
    """The parameters by name: each a defined one, and each at most once."""
    seen: dict[str, str | None] = {}
    for name, value in params:
        if name in seen:
            raise NegotiationError(f"{EXTENSION}: parameter {name} given twice")
        if name not in _PARAMETERS:
            raise NegotiationError(f"{EXTENSION}: unknown parameter {name}")
        seen[name] = value
    return seen


def _no_values(seen: dict[str, str | None]) -> None:
    """7.1.1: the context takeover parameters "have no value"."""
    for name in ("server_no_context_takeover", "client_no_context_takeover"):
        if seen.get(name) is not None:
            raise NegotiationError(f"{EXTENSION}: {name} takes no value, got {seen[name]!r}")


def _window_bits(name: str, value: str | None) -> int:
    """7.1.2: "a decimal integer value without leading zeroes between 8 to 15, inclusive"."""
    if value not in _WINDOW_BITS_VALUES:
        raise NegotiationError(f"{EXTENSION}: {name} must be 8-15 without leading zeroes, got {value!r}")
    return int(value)


@dataclass(frozen=True)
class DeflateParameters:
    """What a connection agreed on: the window each side compresses with (bits) and whether each
    side compresses every message on its own."""

    client_max_window_bits: int = MAX_WINDOW_BITS
    server_max_window_bits: int = MAX_WINDOW_BITS
    client_no_context_takeover: bool = False
    server_no_context_takeover: bool = False

    def __str__(self) -> str:
        """As a ``Sec-WebSocket-Extensions`` element, defaults left out (as ``WebSocket.extensions``
        shows it in a browser)."""
        server_bits, client_bits = self.server_max_window_bits, self.client_max_window_bits
        return extension_element(
            self.server_no_context_takeover,
            self.client_no_context_takeover,
            server_bits if server_bits != MAX_WINDOW_BITS else None,
            client_bits if client_bits != MAX_WINDOW_BITS else None,
        )


def extension_element(
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: int | None,
    client_max_window_bits: int | bool | None,
) -> str:
    """A permessage-deflate element of a ``Sec-WebSocket-Extensions`` header, offer or response:
    the parameters that are set (window bits ``None`` or ``False``: left out; ``True``: the
    parameter without a value)."""
    parts = [EXTENSION]
    if server_no_context_takeover:
        parts.append("server_no_context_takeover")
    if client_no_context_takeover:
        parts.append("client_no_context_takeover")
    if server_max_window_bits is not None:
        parts.append(f"server_max_window_bits={server_max_window_bits}")
    if client_max_window_bits is True:
        parts.append("client_max_window_bits")
    elif client_max_window_bits:
        parts.append(f"client_max_window_bits={client_max_window_bits}")
    return "; ".join(parts)


CompressionSetting = str | bool | DeflateOptions | dict[str, Any] | None
"""What ``compression=`` takes: ``None``/``False`` (off), ``"deflate"`` or ``True`` (the default
offer), a ``DeflateOptions``, or a dict of its fields."""


def deflate_options(setting: CompressionSetting) -> DeflateOptions | None:
    """The offer a ``compression`` setting asks for (``None``: do not offer compression).
    ``"deflate"`` is k6's name for it; ``"permessage-deflate"`` is accepted too."""
    if setting is None or setting is False:
        return None
    if setting is True or setting in ("deflate", EXTENSION):
        return DeflateOptions()
    if isinstance(setting, DeflateOptions):
        return setting
    if isinstance(setting, dict):
        return DeflateOptions(**setting)
    raise ValueError(
        f"compression must be None, 'deflate', a DeflateOptions or a dict of its fields, not {setting!r}"
    )


class PerMessageDeflate:
    """The codec of one connection: whole messages in, whole messages out, every one counted.

    ``compress_bits``/``compress_takeover`` describe what we send, ``inflate_bits`` what we
    receive; a client builds it with ``for_client``. Not thread-safe: one per connection, used by
    whoever holds the connection's send lock (compress) and by its reader (decompress)."""

    __slots__ = (
        "_clock",
        "_compress_settings",
        "_decoder",
        "_encoder",
        "_flush",
        "_inflate_bits",
        "_inflated",
        "deflate_ns",
        "inflate_ns",
        "messages_in",
        "messages_out",
        "parameters",
        "payload_in",
        "payload_out",
        "wire_in",
        "wire_out",
    )

    def __init__(
        self,
        parameters: DeflateParameters,
        compress_bits: int,
        compress_takeover: bool,
        inflate_bits: int,
        level: int = zlib.Z_DEFAULT_COMPRESSION,
        mem_level: int = zlib.DEF_MEM_LEVEL,
        clock: Callable[[], int] = time.thread_time_ns,
    ) -> None:
        """``clock`` returns nanoseconds of CPU time (the thread's, by default: what the zlib
        calls cost this process, whatever else the machine runs)."""
        self.parameters = parameters
        strategy = zlib.Z_DEFAULT_STRATEGY
        if compress_bits == MIN_WINDOW_BITS:
            # zlib refuses a raw deflate window of 8 bits (its manual: "For the current
            # implementation of deflate(), a windowBits value of 8 (a window size of 256 bytes) is
            # not supported"). Huffman-only coding makes no back-references at all, so its output
            # is valid for a peer with any window.
            compress_bits, strategy = MIN_WINDOW_BITS + 1, zlib.Z_HUFFMAN_ONLY
        self._compress_settings = (level, zlib.DEFLATED, -compress_bits, mem_level, strategy)
        # Without context takeover (7.1.1) every message starts from an empty window: a full flush
        # ends each message with the history forgotten, so the deflate state is kept, not rebuilt.
        self._flush = zlib.Z_SYNC_FLUSH if compress_takeover else zlib.Z_FULL_FLUSH
        self._inflate_bits = inflate_bits
        self._encoder: Any = None  # zlib's Compress, built on the first message sent
        self._decoder: Any = None
        self._inflated = 0  # bytes the message being inflated produced so far
        self._clock = clock
        self.messages_in = self.payload_in = self.wire_in = self.inflate_ns = 0
        self.messages_out = self.payload_out = self.wire_out = self.deflate_ns = 0

    @classmethod
    def for_client(
        cls,
        parameters: DeflateParameters,
        options: DeflateOptions,
        clock: Callable[[], int] = time.thread_time_ns,
    ) -> PerMessageDeflate:
        """The client's codec: it compresses with the client window and inflates the server's."""
        return cls(
            parameters,
            compress_bits=parameters.client_max_window_bits,
            compress_takeover=not parameters.client_no_context_takeover,
            inflate_bits=parameters.server_max_window_bits,
            level=options.level,
            mem_level=options.mem_level,
            clock=clock,
        )

    @classmethod
    def for_server(cls, parameters: DeflateParameters) -> PerMessageDeflate:
        """A server's codec (the demo server's): it compresses with the server window and
        inflates the client's."""
        return cls(
            parameters,
            compress_bits=parameters.server_max_window_bits,
            compress_takeover=not parameters.server_no_context_takeover,
            inflate_bits=parameters.client_max_window_bits,
        )

    def compress(self, payload: bytes) -> bytes:
        """The compressed payload of one message, its tail stripped (7.2.1: "Remove 4 octets
        (that are 0x00 0x00 0xff 0xff) from the tail end"). An empty message becomes the single
        0x00 octet left of an empty stored block."""
        started = self._clock()
        encoder = self._encoder
        if encoder is None:
            encoder = self._encoder = zlib.compressobj(*self._compress_settings)
        data: bytes = encoder.compress(payload) + encoder.flush(self._flush)
        if data.endswith(TAIL):
            data = data[:-4]
        self.deflate_ns += self._clock() - started
        self.messages_out += 1
        self.payload_out += len(payload)
        self.wire_out += len(data)
        return data

    def decompress(self, data: bytes, fin: bool = True, max_size: int = 0) -> bytes:
        """Inflate the next compressed piece of a message (``fin``: its last), appending the tail
        at the end (7.2.2). ``max_size`` (0: none) bounds the message's inflated size: past it a
        ``ProtocolViolation`` 1009 is raised having inflated at most one byte more, so a small
        message that would inflate to gigabytes (a "zip bomb") costs no more than the limit.
        Invalid DEFLATE data is a 1002 protocol error."""
        started = self._clock()
        decoder = self._decoder
        if decoder is None:
            decoder = self._decoder = zlib.decompressobj(-self._inflate_bits)
        if fin:
            data += TAIL
        try:
            if max_size:
                room = max_size - self._inflated
                payload: bytes = decoder.decompress(data, room + 1)
                if len(payload) > room:
                    self._inflated = 0
                    raise ProtocolViolation(
                        1009, f"a compressed message inflates past max_message_size {max_size}"
                    )
            else:
                payload = decoder.decompress(data)
        except zlib.error as error:
            self._decoder, self._inflated = None, 0
            raise ProtocolViolation(1002, f"invalid compressed data ({error})") from None
        if decoder.eof:
            # A final block (BFINAL set, as in 7.2.3.4) ends the DEFLATE stream: the next message
            # starts a new one. What follows it here is the empty stored block of 7.2.1 and the
            # tail, which carry no data.
            self._decoder = None
        self.inflate_ns += self._clock() - started
        self.wire_in += len(data) - (4 if fin else 0)
        self.payload_in += len(payload)
        if fin:
            self.messages_in += 1
            self._inflated = 0
        else:
            self._inflated += len(payload)
        return payload

    def take(self) -> tuple[int, int, int, int, int, int, int, int] | None:
        """The counters since the last ``take`` (``None``: nothing happened), then zero:
        ``(messages_in, payload_in, wire_in, inflate_ns, messages_out, payload_out, wire_out,
        deflate_ns)``; payload and wire in bytes, times in nanoseconds of CPU."""
        counts = (
            self.messages_in,
            self.payload_in,
            self.wire_in,
            self.inflate_ns,
            self.messages_out,
            self.payload_out,
            self.wire_out,
            self.deflate_ns,
        )
        if not (counts[0] or counts[4]):
            return None
        self.messages_in = self.payload_in = self.wire_in = self.inflate_ns = 0
        self.messages_out = self.payload_out = self.wire_out = self.deflate_ns = 0
        return counts
