"""RFC 6455 frames: what a client sends (masked) and what it accepts from a server, as bytes.

Pure logic, no sockets and no gevent: ``FrameParser`` turns the bytes read from a server into
complete messages and control frames, enforcing the rules a client must (section 5): no masked
frames, no RSV bits without a negotiated extension, no reserved opcodes, control frames short and
unfragmented, continuation frames only inside a fragmented message, valid close codes, UTF-8 text
(unless the caller opts out) and the message size limit, checked on each frame header before its
payload is buffered. ``encode_frame`` builds a client frame with a fresh masking key.

This is the hot path of every session: one ``feed`` per ``recv`` can deliver several frames, and
a small unfragmented frame costs a few comparisons and one slice.
"""

from __future__ import annotations

import os
import struct

from websocket import ABNF, WebSocketProtocolException

OPCODE_CONT = ABNF.OPCODE_CONT
OPCODE_TEXT = ABNF.OPCODE_TEXT
OPCODE_BINARY = ABNF.OPCODE_BINARY
OPCODE_CLOSE = ABNF.OPCODE_CLOSE
OPCODE_PING = ABNF.OPCODE_PING
OPCODE_PONG = ABNF.OPCODE_PONG

Frame = tuple[int, bytes]
"""``(opcode, payload)``: a complete data message (text or binary, reassembled from its fragments)
or one control frame (close, ping, pong)."""

_KNOWN_OPCODES = frozenset(ABNF.OPCODES)
_MAX_CONTROL_PAYLOAD = 125
_U16 = struct.Struct("!H")
_U64 = struct.Struct("!Q")


class ProtocolViolation(Exception):
    """The server broke RFC 6455; we close with ``code`` (1002 protocol error, 1007 invalid
    payload, 1009 message too big) and report ``detail``."""

    def __init__(self, code: int, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


class FrameParser:
    """Bytes from a server in, complete frames out. ``feed`` returns every frame the bytes
    complete; a violation stops parsing: the frames before it are returned and ``error`` holds the
    violation (nothing of the broken frame, nor anything after it, is ever delivered)."""

    __slots__ = (
        "_buffered",
        "_chunks",
        "_fragment_opcode",
        "_fragment_size",
        "_fragments",
        "_needed",
        "error",
        "max_message_size",
        "validate_utf8",
    )

    def __init__(self, max_message_size: int = 0, validate_utf8: bool = True) -> None:
        """``max_message_size`` in bytes (0: no limit); ``validate_utf8=False`` trusts the server's
        text to be UTF-8 (RFC 6455 requires the check; skipping it saves CPU)."""
        self.max_message_size = max_message_size
        self.validate_utf8 = validate_utf8
        self.error: ProtocolViolation | None = None
        self._chunks: list[bytes] = []  # received bytes not parsed yet
        self._buffered = 0
        self._needed = 0  # bytes the incomplete frame at the head of _chunks needs in all
        self._fragments: list[bytes] | None = None  # the message being reassembled
        self._fragment_opcode = 0
        self._fragment_size = 0

    @property
    def wanted(self) -> int:
        """Bytes still missing from the frame being received (0: unknown), so the reader can ask
        for a large frame in few reads."""
        return max(self._needed - self._buffered, 0)

    def feed(self, data: bytes) -> list[Frame]:
        """Add ``data`` (as read from the socket) and return the frames it completes."""
        if self.error is not None:
            return []
        if self._chunks:
            self._chunks.append(data)
            self._buffered += len(data)
            if self._buffered < self._needed:
                return []
            data = b"".join(self._chunks)
            self._chunks = []
        frames: list[Frame] = []
        try:
            end = self._parse(data, frames)
        except ProtocolViolation as violation:
            self.error = violation
            self._chunks, self._buffered, self._needed = [], 0, 0
            return frames
        if end < len(data):
            rest = data[end:]
            self._chunks = [rest]
            self._buffered = len(rest)
        else:
            self._buffered = self._needed = 0
        return frames

    def _parse(self, data: bytes, frames: list[Frame]) -> int:
        """Parse complete frames from ``data`` into ``frames``; return where the unparsed rest
        starts (and set ``_needed`` to the size of the frame it begins, when known)."""
        position, size = 0, len(data)
        self._needed = 0
        while size - position >= 2:
            first, second = data[position], data[position + 1]
            if second & 0x80:
                raise ProtocolViolation(1002, "the server sent a masked frame")
            length = second & 0x7F
            start = position + 2
            if length == 126:
                if size - position < 4:
                    break
                (length,) = _U16.unpack_from(data, start)
                start += 2
            elif length == 127:
                if size - position < 10:
                    break
                (length,) = _U64.unpack_from(data, start)
                start += 8
            opcode = first & 0x0F
            self._check_header(first, opcode, length)
            end = start + length
            if end > size:
                self._needed = end - position
                break
            payload = data[start:end]
            position = end
            if opcode in (OPCODE_TEXT, OPCODE_BINARY):
                if first & 0x80:
                    if opcode == OPCODE_TEXT and self.validate_utf8:
                        _check_utf8(payload)
                    frames.append((opcode, payload))
                else:
                    self._fragments = [payload]
                    self._fragment_opcode = opcode
                    self._fragment_size = length
            elif opcode == OPCODE_CONT:
                assert self._fragments is not None  # _check_header refuses a stray continuation
                self._fragments.append(payload)
                self._fragment_size += length
                if first & 0x80:
                    message = b"".join(self._fragments)
                    self._fragments = None
                    if self._fragment_opcode == OPCODE_TEXT and self.validate_utf8:
                        _check_utf8(message)
                    frames.append((self._fragment_opcode, message))
            else:
                if opcode == OPCODE_CLOSE:
                    _check_close(payload, self.validate_utf8)
                frames.append((opcode, payload))
        else:
            self._needed = 0
        return position

    def _check_header(self, first: int, opcode: int, length: int) -> None:
        """Everything a frame header alone can break, checked before its payload is buffered."""
        if first & 0x70 or opcode not in _KNOWN_OPCODES:
            _raise_invalid_frame(first, opcode)
        if opcode >= OPCODE_CLOSE:
            if not first & 0x80 or length > _MAX_CONTROL_PAYLOAD:
                raise ProtocolViolation(
                    1002, f"control frame (opcode {opcode}) fragmented or longer than 125 bytes"
                )
            return
        if opcode == OPCODE_CONT:
            if self._fragments is None:
                raise ProtocolViolation(1002, "continuation frame without a message to continue")
            size = self._fragment_size + length
        elif self._fragments is not None:
            raise ProtocolViolation(1002, "new data frame inside a fragmented message")
        else:
            size = length
        if self.max_message_size and size > self.max_message_size:
            raise ProtocolViolation(
                1009, f"a message of {size} bytes exceeds max_message_size {self.max_message_size}"
            )


def _raise_invalid_frame(first: int, opcode: int) -> None:
    """RSV bits or a reserved opcode, worded as websocket-client words them."""
    frame = ABNF(first >> 7, (first >> 6) & 1, (first >> 5) & 1, (first >> 4) & 1, opcode, 0, b"")
    try:
        frame.validate(skip_utf8_validation=True)
    except WebSocketProtocolException as error:
        raise ProtocolViolation(1002, str(error)) from None
    raise AssertionError("unreachable: the frame header was invalid")  # pragma: no cover


def _check_utf8(payload: bytes) -> None:
    try:
        payload.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolViolation(1007, f"invalid UTF-8 in a text message ({error.reason})") from None


def _check_close(payload: bytes, validate_utf8: bool) -> None:
    """A close frame's body: empty, or a valid code and a UTF-8 reason (RFC 6455 5.5.1, 7.4)."""
    frame = ABNF(1, 0, 0, 0, OPCODE_CLOSE, 0, payload)
    try:
        frame.validate(skip_utf8_validation=not validate_utf8)
    except WebSocketProtocolException as error:
        raise ProtocolViolation(1002, str(error)) from None


class MaskKeys:
    """Masking keys from the kernel's CSPRNG (RFC 6455 5.3 wants them unpredictable), drawn 4 KiB
    at a time so that a frame does not cost a ``getrandom`` call."""

    __slots__ = ("_pool", "_position")

    def __init__(self) -> None:
        self._pool = b""
        self._position = 0

    def next(self) -> bytes:
        position = self._position
        if position + 4 > len(self._pool):
            self._pool, position = os.urandom(4096), 0
        self._position = position + 4
        return self._pool[position : position + 4]


def mask(key: bytes, payload: bytes) -> bytes:
    """``payload`` XOR-ed with the repeated 4-byte ``key`` (its own inverse)."""
    size = len(payload)
    if not size:
        return b""
    repeated = key * (size // 4 + 1)
    return (int.from_bytes(payload, "little") ^ int.from_bytes(repeated[:size], "little")).to_bytes(
        size, "little"
    )


def encode_frame(opcode: int, payload: bytes, key: bytes) -> bytes:
    """One final, masked client frame carrying ``payload``."""
    size = len(payload)
    if size < 126:
        header = bytes((0x80 | opcode, 0x80 | size))
    elif size < 65536:
        header = bytes((0x80 | opcode, 0xFE)) + _U16.pack(size)
    else:
        header = bytes((0x80 | opcode, 0xFF)) + _U64.pack(size)
    return header + key + mask(key, payload)


def close_payload(code: int, reason: str | bytes = b"") -> bytes:
    """The body of a close frame: the code, then the reason as UTF-8."""
    if isinstance(reason, str):
        reason = reason.encode("utf-8")
    return _U16.pack(code) + reason


def parse_close(payload: bytes) -> tuple[int, str]:
    """A (validated) close frame's code and reason; 1005 (no status) when it carries none."""
    if len(payload) < 2:
        return 1005, ""
    return _U16.unpack_from(payload)[0], payload[2:].decode("utf-8", "replace")
