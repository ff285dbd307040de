"""locust-ws: WebSocket and Socket.IO load testing for Locust, with honest latencies.

Public API::

    from locust_ws import WebSocketUser, on_message
    from locust_ws import SocketIOUser, on
"""

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
from .metrics.collector import WebSocketMetrics
from .metrics.histograms import LatencyHistogram
from .metrics.thresholds import ThresholdError
from .patterns.backoff import Backoff
from .patterns.rotation import RoundRobin
from .patterns.stages import Stages
from .patterns.storm import peak_rate, recovery_time
from .plugin import add_thresholds, attach_metrics
from .protocol.messages import wall_ms
from .sessions.replies import CaughtReply, Reply
from .sessions.socketio import SocketIOSession
from .sessions.websocket import WebSocketSession
from .users.realtime import RealtimeUser
from .users.socketio import SocketIOUser, on
from .users.websocket import WebSocketUser, on_message

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
