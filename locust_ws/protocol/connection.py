"""The client side of an open WebSocket connection as a state machine, without I/O.

In the manner of python-websockets' ``Protocol``: the transport hands ``receive_data`` the bytes it
read and gets back events (``Message``, ``Pong`` with its round-trip time, ``Closed`` saying who
closed, with which code); what the protocol itself must answer (a pong for every ping, the close
frame that answers the server's) waits in ``data_to_send``. Frames the client chooses to send come
back from ``send_message``, ``send_ping`` and ``send_close`` as bytes. Every rule about closing
lives here, so the gevent connection only pumps bytes and runs timers, and the rules are tested
without a socket.

The opening handshake is ``handshake.py``'s; this starts where it ends, in ``State.OPEN``, with
the permessage-deflate codec it negotiated, if any (``deflate``): messages sent are compressed,
and the frame parser inflates the compressed ones received.
"""

from __future__ import annotations

import enum
from typing import NamedTuple

from .codes import CloseCode, reply_close_code
from .deflate import PerMessageDeflate
from .frames import (
    OPCODE_BINARY,
    OPCODE_CLOSE,
    OPCODE_PING,
    OPCODE_PONG,
    RSV1,
    FrameParser,
    MaskKeys,
    close_payload,
    encode_frame,
    parse_close,
)


class State(enum.IntEnum):
    """Where the connection is in its closing handshake (RFC 6455 7.1)."""

    OPEN = 1
    CLOSING = 2
    """We sent a close frame and wait for the server's."""
    CLOSED = 3
    """The closing handshake is over, or the connection failed or was lost: nothing more is sent."""


class Initiator(str, enum.Enum):
    """Who ended the connection."""

    SERVER = "server"
    """The server sent a close frame first; we answered it."""
    CLIENT = "client"
    """We sent a close frame first and the server answered it."""
    PROTOCOL = "protocol"
    """The server broke the protocol and we failed the connection with a close code of ours."""
    LOST = "lost"
    """The connection ended without a close frame from the server (1006)."""


class Message(NamedTuple):
    """A complete data message: text (UTF-8 validated unless turned off) or binary."""

    opcode: int
    payload: bytes


class Pong(NamedTuple):
    """A pong from the server; ``rtt`` in seconds since the ping it answers was sent, or ``None``
    for a pong no ping of ours asked for (RFC 6455 5.5.3 allows them)."""

    payload: bytes
    rtt: float | None


class Closed(NamedTuple):
    """The end of the connection: the code and reason it closed with, and who closed it."""

    code: int
    reason: str
    initiator: Initiator


Event = Message | Pong | Closed


class InvalidState(Exception):
    """A frame was to be sent on a connection that is closing or closed."""


class ClientProtocol:
    """One open WebSocket connection's protocol state; see the module docstring."""

    __slots__ = ("_keys", "_outgoing", "_parser", "_pings", "closed", "deflate", "state")

    def __init__(
        self,
        max_message_size: int = 0,
        validate_utf8: bool = True,
        mask_keys: MaskKeys | None = None,
        deflate: PerMessageDeflate | None = None,
    ) -> None:
        """``max_message_size`` in bytes (0: no limit) and ``validate_utf8`` go to the frame
        parser; ``mask_keys`` is the source of masking keys (one pool per process is enough);
        ``deflate`` is the codec of a negotiated permessage-deflate."""
        self._parser = FrameParser(max_message_size, validate_utf8, deflate)
        self.deflate = deflate
        """The permessage-deflate codec, with its counters; ``None`` when not negotiated."""
        self._keys = mask_keys or MaskKeys()
        self._outgoing: list[bytes] = []
        self._pings: dict[bytes, float] = {}
        self.state = State.OPEN
        self.closed: Closed | None = None
        """How the connection ended, once it has."""

    @property
    def wanted(self) -> int:
        """Bytes still missing from the frame being received (0: unknown), so the transport can
        ask for a large frame in few reads."""
        return self._parser.wanted

    @property
    def ping_in_flight(self) -> bool:
        """True while a ping of ours waits for its pong."""
        return bool(self._pings)

    # -- receiving ------------------------------------------------------------------------------

    @property
    def failure_pending(self) -> bool:
        """True when the bytes received broke the protocol after messages that were delivered
        first: the next ``receive_data`` (``b""`` will do) fails the connection."""
        return self.state is not State.CLOSED and self._parser.error is not None

    def receive_data(self, data: bytes, now: float) -> list[Event]:
        """The events the bytes ``data`` (read at time ``now``, in seconds) complete. After a
        ``Closed`` event nothing more is delivered.

        A protocol violation fails the connection only once the messages before it were handed
        over: when there are some, they come alone and ``failure_pending`` is set, so the caller
        handles them (answers them, as Autobahn's cases 3.x, 4.x and 5.15 expect) before the
        connection is failed."""
        if self.state is State.CLOSED:
            return []
        parser = self._parser
        if parser.error is not None:
            return [self._fail(parser.error.code, parser.error.detail)]
        frames = parser.feed(data)
        events: list[Event] = []
        for opcode, payload in frames:
            if opcode <= OPCODE_BINARY:
                events.append(Message(opcode, payload))
            elif opcode == OPCODE_PING:
                if self.state is State.OPEN:  # 5.5.2: answer with the same payload, unless closing
                    self._outgoing.append(encode_frame(OPCODE_PONG, payload, self._keys.next()))
            elif opcode == OPCODE_PONG:
                events.append(self._pong(payload, now))
            elif opcode == OPCODE_CLOSE:
                events.append(self._server_closed(*parse_close(payload)))
                return events
        if parser.error is not None and not events:
            events.append(self._fail(parser.error.code, parser.error.detail))
        return events

    def receive_eof(self, reason: str = "connection closed without a close frame") -> Closed:
        """The connection ended (the server closed TCP, or it was reset or shut down, for
        ``reason``): a ``Closed`` event, 1006 unless the closing handshake was already over."""
        if self.closed is None:
            self.closed = Closed(CloseCode.ABNORMAL, reason, Initiator.LOST)
        self.state = State.CLOSED
        self._pings.clear()
        return self.closed

    def _pong(self, payload: bytes, now: float) -> Pong:
        sent_at = self._pings.pop(payload, None)
        if sent_at is None:
            return Pong(payload, None)
        self._pings.clear()  # a pong answers the pings before it too (5.5.3)
        return Pong(payload, now - sent_at)

    def _server_closed(self, code: int, reason: str) -> Closed:
        """7.1.5: our close frame answered, or the server's answered with its code (1000 for a
        code that may not be sent back)."""
        if self.state is State.OPEN:
            self._outgoing.append(self._frame(OPCODE_CLOSE, close_payload(reply_close_code(code))))
            self.closed = Closed(code, reason, Initiator.SERVER)
        else:
            self.closed = Closed(code, reason, Initiator.CLIENT)
        self.state = State.CLOSED
        return self.closed

    def _fail(self, code: int, detail: str) -> Closed:
        """7.1.7, fail the WebSocket connection: send a close frame with ``code`` (unless one was
        sent already) and stop processing; the transport then closes the socket."""
        if self.state is State.OPEN:
            self._outgoing.append(self._frame(OPCODE_CLOSE, close_payload(code)))
        self.state = State.CLOSED
        self.closed = Closed(code, detail, Initiator.PROTOCOL)
        return self.closed

    # -- sending --------------------------------------------------------------------------------

    def send_message(self, payload: bytes, opcode: int) -> bytes:
        """One masked data frame (text or binary) carrying ``payload``, compressed (RSV1 set)
        when permessage-deflate was negotiated: we compress every message, as browsers do."""
        if self.state is not State.OPEN:
            raise InvalidState(f"the connection is {self.state.name.lower()}")
        if self.deflate is not None:
            return encode_frame(opcode | RSV1, self.deflate.compress(payload), self._keys.next())
        return encode_frame(opcode, payload, self._keys.next())

    def send_ping(self, payload: bytes, now: float) -> bytes:
        """A ping whose pong will carry its round-trip time; ``now`` is when it is written."""
        if self.state is not State.OPEN:
            raise InvalidState(f"the connection is {self.state.name.lower()}")
        self._pings[payload] = now
        return self._frame(OPCODE_PING, payload)

    def send_close(self, code: int = CloseCode.NORMAL, reason: str = "") -> bytes:
        """Start the closing handshake (7.1.2): our close frame; the server's answer arrives as a
        ``Closed`` event. Nothing (``b""``) when a close frame was already sent or received."""
        if self.state is not State.OPEN:
            return b""
        self.state = State.CLOSING
        return self._frame(OPCODE_CLOSE, close_payload(code, reason))

    def data_to_send(self) -> bytes:
        """What the protocol must send on its own: pongs and the close frame answering the
        server's or failing the connection. Empty most of the time."""
        if not self._outgoing:
            return b""
        data = b"".join(self._outgoing)
        self._outgoing.clear()
        return data

    def _frame(self, opcode: int, payload: bytes) -> bytes:
        return encode_frame(opcode, payload, self._keys.next())
