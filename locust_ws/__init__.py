"""locust-ws: WebSocket and Socket.IO load testing for Locust, with honest latencies.

Public API::

    from locust_ws import WebSocketUser, on_message
    from locust_ws import SocketIOUser, on

Names are loaded on first use (PEP 562), so importing a pure module such as
``locust_ws.protocol.frames`` does not import Locust, gevent or the demo server. The first public
name a locustfile imports also registers the Locust plugin (``plugin.py``: options and listeners).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
"""The release this code is; setup.cfg reads it from here (statically, without importing)."""

if TYPE_CHECKING:
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
        IdleDisconnect,
        InvalidURL,
        NamespaceRefused,
        NotConnected,
        PayloadError,
        PongTimeout,
        PortsExhausted,
        ReplyTimeout,
        ResubscribeError,
        UserClassError,
        WaitTimeout,
        WebSocketError,
    )
    from .metrics.collector import WebSocketMetrics
    from .metrics.histograms import LatencyHistogram
    from .metrics.thresholds import ThresholdError
    from .patterns.backoff import Backoff
    from .patterns.breakpoint import Breakpoint
    from .patterns.idle import IdleSweepUser, format_idle_sweep, idle_groups
    from .patterns.rotation import RoundRobin
    from .patterns.stages import Stages
    from .patterns.storm import counts_since, peak_rate, percentile_of_counts, recovery_time
    from .plugin import add_server_metrics, add_thresholds, attach_metrics
    from .protocol.deflate import DeflateOptions
    from .protocol.messages import wall_ms
    from .reports.otel import OtelMetrics, attach_otel
    from .sessions.replies import CaughtReply, Reply
    from .sessions.socketio import SocketIOSession
    from .sessions.websocket import WebSocketSession
    from .users.realtime import RealtimeUser
    from .users.socketio import SocketIOUser, on
    from .users.websocket import WebSocketUser, on_message

_EXPORTS = {
    "AckTimeout": ".errors",
    "ActionRefused": ".errors",
    "Backoff": ".patterns.backoff",
    "CaughtReply": ".sessions.replies",
    "CloseTimeout": ".errors",
    "ConnectError": ".errors",
    "ConnectTimeout": ".errors",
    "ConnectionClosed": ".errors",
    "DeflateOptions": ".protocol.deflate",
    "HandlerError": ".errors",
    "HandshakeRejected": ".errors",
    "HeartbeatMissed": ".errors",
    "IdleDisconnect": ".errors",
    "IdleSweepUser": ".patterns.idle",
    "InvalidURL": ".errors",
    "LatencyHistogram": ".metrics.histograms",
    "NamespaceRefused": ".errors",
    "NotConnected": ".errors",
    "OtelMetrics": ".reports.otel",
    "PayloadError": ".errors",
    "PongTimeout": ".errors",
    "PortsExhausted": ".errors",
    "RealtimeUser": ".users.realtime",
    "Reply": ".sessions.replies",
    "ReplyTimeout": ".errors",
    "ResubscribeError": ".errors",
    "RoundRobin": ".patterns.rotation",
    "SocketIOSession": ".sessions.socketio",
    "SocketIOUser": ".users.socketio",
    "Stages": ".patterns.stages",
    "Breakpoint": ".patterns.breakpoint",
    "ThresholdError": ".metrics.thresholds",
    "UserClassError": ".errors",
    "WaitTimeout": ".errors",
    "WebSocketError": ".errors",
    "WebSocketMetrics": ".metrics.collector",
    "WebSocketSession": ".sessions.websocket",
    "WebSocketUser": ".users.websocket",
    "add_server_metrics": ".plugin",
    "add_thresholds": ".plugin",
    "attach_metrics": ".plugin",
    "attach_otel": ".reports.otel",
    "on": ".users.socketio",
    "on_message": ".users.websocket",
    "counts_since": ".patterns.storm",
    "format_idle_sweep": ".patterns.idle",
    "idle_groups": ".patterns.idle",
    "peak_rate": ".patterns.storm",
    "percentile_of_counts": ".patterns.storm",
    "recovery_time": ".patterns.storm",
    "wall_ms": ".protocol.messages",
}

__all__ = [
    "AckTimeout",
    "ActionRefused",
    "Backoff",
    "Breakpoint",
    "CaughtReply",
    "CloseTimeout",
    "ConnectError",
    "ConnectTimeout",
    "ConnectionClosed",
    "DeflateOptions",
    "HandlerError",
    "HandshakeRejected",
    "HeartbeatMissed",
    "IdleDisconnect",
    "IdleSweepUser",
    "InvalidURL",
    "LatencyHistogram",
    "NamespaceRefused",
    "NotConnected",
    "OtelMetrics",
    "PayloadError",
    "PongTimeout",
    "PortsExhausted",
    "RealtimeUser",
    "Reply",
    "ReplyTimeout",
    "ResubscribeError",
    "RoundRobin",
    "SocketIOSession",
    "SocketIOUser",
    "Stages",
    "ThresholdError",
    "UserClassError",
    "WaitTimeout",
    "WebSocketError",
    "WebSocketMetrics",
    "WebSocketSession",
    "WebSocketUser",
    "add_server_metrics",
    "add_thresholds",
    "attach_metrics",
    "attach_otel",
    "counts_since",
    "format_idle_sweep",
    "idle_groups",
    "on",
    "on_message",
    "peak_rate",
    "percentile_of_counts",
    "recovery_time",
    "wall_ms",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'locust_ws' has no attribute {name!r}")
    importlib.import_module(".plugin", __name__)  # registers the options and listeners, once
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
