"""locust-ws: WebSocket and Socket.IO load testing for Locust, with honest latencies.

Public API::

    from locust_ws import WebSocketUser, on_message
"""

from . import autostart as _autostart  # noqa: F401 - registers the demo-server start-up listener
from .backoff import Backoff
from .base import RealtimeUser
from .errors import (
    CloseTimeout,
    ConnectError,
    ConnectionClosed,
    ConnectTimeout,
    HandlerError,
    HandshakeRejected,
    NotConnected,
    PongTimeout,
    ReplyTimeout,
    WaitTimeout,
    WebSocketError,
)
from .messages import wall_ms
from .response import CaughtReply, Reply
from .session import WebSocketSession
from .user import WebSocketUser, on_message

__all__ = [
    "Backoff",
    "CaughtReply",
    "CloseTimeout",
    "ConnectError",
    "ConnectTimeout",
    "ConnectionClosed",
    "HandlerError",
    "HandshakeRejected",
    "NotConnected",
    "PongTimeout",
    "RealtimeUser",
    "Reply",
    "ReplyTimeout",
    "WaitTimeout",
    "WebSocketError",
    "WebSocketSession",
    "WebSocketUser",
    "on_message",
    "wall_ms",
]
