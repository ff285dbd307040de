"""Opcodes and close codes (RFC 6455 sections 5.2 and 7.4), and what a close code means for a load
test: whether it is a failure, and whether a lost connection should be reopened.
"""

from __future__ import annotations

import enum


class Opcode(enum.IntEnum):
    """A frame's opcode (RFC 6455 5.2). Data frames are below ``CLOSE``, control frames from it on."""

    CONT = 0x0
    TEXT = 0x1
    BINARY = 0x2
    CLOSE = 0x8
    PING = 0x9
    PONG = 0xA


class CloseCode(enum.IntEnum):
    """The close codes of RFC 6455 7.4.1 and the IANA registry that a load test meets."""

    NORMAL = 1000
    GOING_AWAY = 1001
    PROTOCOL_ERROR = 1002
    UNSUPPORTED_DATA = 1003
    NO_STATUS = 1005
    """Never on the wire: the peer's close frame carried no code (7.1.5)."""
    ABNORMAL = 1006
    """Never on the wire: the connection ended without a close frame (7.1.5)."""
    INVALID_DATA = 1007
    POLICY_VIOLATION = 1008
    MESSAGE_TOO_BIG = 1009
    MANDATORY_EXTENSION = 1010
    INTERNAL_ERROR = 1011
    SERVICE_RESTART = 1012
    TRY_AGAIN_LATER = 1013
    BAD_GATEWAY = 1014
    TLS_HANDSHAKE = 1015
    """Never on the wire: the TLS handshake failed."""


_RECEIVABLE = frozenset(
    {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014}
)  # 1004 is reserved; 1005, 1006 and 1015 may never be sent (7.4.1)

NORMAL_CLOSURES = frozenset({CloseCode.NORMAL, CloseCode.GOING_AWAY, CloseCode.NO_STATUS})
"""Close codes that are no failure: a normal closure, the peer going away, and a close frame
without a code, which RFC 6455 7.1.5 reads as a normal closure (Node ``ws``'s plain ``close()``)."""

RECONNECT_CLOSE_CODES = frozenset(
    {
        CloseCode.GOING_AWAY,
        CloseCode.ABNORMAL,
        CloseCode.INTERNAL_ERROR,
        CloseCode.SERVICE_RESTART,
        CloseCode.TRY_AGAIN_LATER,
    }
)
"""Close codes after which a lost connection is reopened by default: the connection was lost, or
the server went away, failed or is restarting. A server that closes with 1000, 1008 or an
application code (4000-4999) meant it, and reconnecting would only repeat the refusal."""


def is_valid_close_code(code: int) -> bool:
    """Whether a server may send ``code`` in a close frame (RFC 6455 7.4): the registered codes
    meant for the wire, and 3000-4999 for libraries and applications."""
    return code in _RECEIVABLE or 3000 <= code <= 4999


def reply_close_code(code: int) -> int:
    """The code to echo in the close frame that answers a server's (RFC 6455 5.5.1): codes that may
    never be sent (1005, 1006, 1015) are answered with 1000."""
    return CloseCode.NORMAL if code in (1005, 1006, 1015) else code
