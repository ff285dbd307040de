"""locust-ws: WebSocket and Socket.IO load testing for Locust, with honest latencies.

Public API::

    from locust_ws import WebSocketUser, on_message
    from locust_ws import SocketIOUser, on
"""

from . import autostart as _autostart  # noqa: F401 - registers the demo-server start-up listener
from . import limits as _limits  # noqa: F401 - raises the open-files limit in every Locust process
from .backoff import Backoff
from .base import RealtimeUser
from .errors import (
    AckTimeout,
    ActionRefused,
    CloseTimeout,
    ConnectError,
    ConnectionClosed,
    ConnectTimeout,
    HandlerError,
    HandshakeRejected,
    HeartbeatMissed,
    NamespaceRefused,
    NotConnected,
    PongTimeout,
    ReplyTimeout,
    WaitTimeout,
    WebSocketError,
)
from .handshake_stats import peak_rate, recovery_time
from .histograms import LatencyHistogram
from .messages import wall_ms
from .metrics import WebSocketMetrics
from .plugin import add_thresholds, attach_metrics
from .response import CaughtReply, Reply
from .rotation import RoundRobin
from .session import WebSocketSession
from .socketio_session import SocketIOSession
from .socketio_user import SocketIOUser, on
from .stages import Stages
from .thresholds import ThresholdError
from .user import WebSocketUser, on_message

__all__ = [
    "AckTimeout",
    "ActionRefused",
    "Backoff",
    "CaughtReply",
    "CloseTimeout",
    "ConnectError",
    "ConnectTimeout",
    "ConnectionClosed",
    "HandlerError",
    "HandshakeRejected",
    "HeartbeatMissed",
    "LatencyHistogram",
    "NamespaceRefused",
    "NotConnected",
    "PongTimeout",
    "RealtimeUser",
    "Reply",
    "ReplyTimeout",
    "RoundRobin",
    "SocketIOSession",
    "SocketIOUser",
    "Stages",
    "ThresholdError",
    "WaitTimeout",
    "WebSocketError",
    "WebSocketMetrics",
    "WebSocketSession",
    "WebSocketUser",
    "add_thresholds",
    "attach_metrics",
    "on",
    "on_message",
    "peak_rate",
    "recovery_time",
    "wall_ms",
]
