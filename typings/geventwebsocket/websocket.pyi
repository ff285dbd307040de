# What locust_ws.demo uses of gevent-websocket 0.10.1 (which ships no types): the WebSocket object,
# whose __slots__ its subclass DemoWebSocket relies on.
from collections.abc import Callable
from typing import Any, ClassVar

MSG_SOCKET_DEAD: str

class Header:
    __slots__ = ("fin", "flags", "length", "mask", "opcode")
    RSV0_MASK: ClassVar[int]
    fin: int
    mask: bytes | str
    opcode: int
    flags: int
    length: int
    def unmask_payload(self, payload: bytes) -> bytes: ...
    @classmethod
    def decode_header(cls, stream: Any) -> Header: ...
    @classmethod
    def encode_header(cls, fin: int, opcode: int, mask: bytes | str, length: int, flags: int) -> bytes: ...

class Stream:
    __slots__ = ("handler", "read", "write")
    handler: Any
    read: Callable[[int], bytes]
    write: Callable[[bytes], None]

class WebSocket:
    __slots__ = (
        "closed",
        "environ",
        "handler",
        "raw_read",
        "raw_write",
        "stream",
        "utf8validate_last",
        "utf8validator",
    )
    OPCODE_CONTINUATION: ClassVar[int]
    OPCODE_TEXT: ClassVar[int]
    OPCODE_BINARY: ClassVar[int]
    OPCODE_CLOSE: ClassVar[int]
    OPCODE_PING: ClassVar[int]
    OPCODE_PONG: ClassVar[int]
    environ: dict[str, Any] | None
    """The request's WSGI environ; None once the socket is closed."""
    closed: bool
    stream: Stream | None
    raw_write: Callable[[bytes], None] | None
    raw_read: Callable[[int], bytes] | None
    handler: Any
    """The geventwebsocket.handler.WebSocketHandler that upgraded the connection."""
    def __init__(self, environ: dict[str, Any], stream: Stream, handler: Any) -> None: ...
    def handle_close(self, header: Header, payload: bytes) -> None: ...
    def read_frame(self) -> tuple[Header, bytes]: ...
    def read_message(self) -> str | bytearray | None: ...
    def receive(self) -> str | bytearray | None: ...
    def send_frame(self, message: bytes | bytearray | str, opcode: int) -> None: ...
    def send(self, message: bytes | bytearray | str, binary: bool | None = None) -> None: ...
    def close(self, code: int = 1000, message: bytes | str = b"") -> None: ...
