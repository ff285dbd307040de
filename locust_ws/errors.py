"""Typed failures: each one is what a stats row's failure column shows, so its text must be stable
(no ids, no timestamps, no secrets) for Locust to aggregate identical failures into one entry."""

from __future__ import annotations

from locust.exception import RescheduleTask


class WebSocketError(Exception):
    """Base class of every locust-ws failure."""


class ConnectError(WebSocketError, RescheduleTask):
    """The connection could not be opened. As a ``RescheduleTask`` it ends the running task quietly:
    the failure is already in the stats, so Locust just waits and runs the next task."""


class InvalidURL(ConnectError):
    """The URL (the host, or a path given as a full URL) cannot be connected to: no supported scheme,
    no host name, a malformed address or port. It never will be, so nothing reconnects it."""


class HandshakeRejected(ConnectError):
    """The server answered the upgrade with an HTTP status other than 101."""

    def __init__(self, status_code: int, status_message: str | None = None) -> None:
        self.status_code = status_code
        self.status_message = status_message or ""
        super().__init__(f"handshake refused: HTTP {status_code} {self.status_message}".rstrip())


class ConnectTimeout(ConnectError):
    """No completed handshake within the connect timeout."""

    def __init__(self, timeout: float, phase: str = "") -> None:
        self.timeout = timeout
        self.phase = phase
        """What had not arrived when the deadline passed (e.g. "no HTTP response")."""
        super().__init__(f"handshake timed out after {timeout:g} s" + (f" ({phase})" if phase else ""))


class PortsExhausted(ConnectError):
    """No local port was free to connect from (``EADDRNOTAVAIL``): one source address reaches one
    server address and port from at most as many ports as ``net.ipv4.ip_local_port_range`` holds."""

    def __init__(self, source_address: str | None, port_range: tuple[int, int] | None) -> None:
        self.source_address = source_address
        self.port_range = port_range
        source = f"source address {source_address}" if source_address else "the default source address"
        if port_range is None:
            ports = "the kernel's ephemeral port range"
        else:
            first, last = port_range
            ports = f"ip_local_port_range {first}-{last} ({last - first + 1} ports)"
        super().__init__(
            f"no free local port on {source}: {ports} per server address and port is used up; "
            "add source addresses (source_addresses / --ws-source-addresses) or widen "
            "net.ipv4.ip_local_port_range"
        )


class ConnectionClosed(WebSocketError, RescheduleTask):
    """The connection is gone: closed by the server with ``code``, or lost (1006)."""

    def __init__(self, code: int, reason: str = "", message: str | None = None) -> None:
        self.code = code
        self.reason = reason
        if message is None:
            message = f"closed by server with code {code}" + (f": {reason}" if reason else "")
        super().__init__(message)


class NotConnected(ConnectionClosed):
    """An operation needed an open connection and there was none (and reconnecting is off)."""

    def __init__(self, message: str = "not connected") -> None:
        super().__init__(1006, message=message)


class ReplyTimeout(WebSocketError):
    """A request's correlated reply did not arrive in time."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        super().__init__(f"no reply within {timeout:g} s")


class WaitTimeout(WebSocketError):
    """``wait_for`` saw no matching message in time."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        super().__init__(f"no matching message within {timeout:g} s")


class PongTimeout(WebSocketError):
    """A heartbeat ping got no pong in time; the connection is then treated as dead."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        super().__init__(f"no pong within {timeout:g} s")


class CloseTimeout(WebSocketError):
    """We sent a close frame and the server never answered with its own."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        super().__init__(f"no close frame from server within {timeout:g} s")


class PayloadError(WebSocketError, RescheduleTask):
    """A payload ``send()`` or ``request()`` cannot encode (a set, an object, a non-dict to stamp);
    nothing was sent. As a ``RescheduleTask`` it ends the task quietly: the failure is in the stats."""


class HandlerError(WebSocketError):
    """A user's message handler raised; the receive loop survives and reports it."""

    def __init__(self, handler_name: str, error: BaseException) -> None:
        self.error = error
        super().__init__(f"handler {handler_name} raised {type(error).__name__}: {error}")


class ResubscribeError(WebSocketError):
    """A reopened connection could not be restored: an ``on_connect`` hook raised, or the server
    refused to put us back in a room we had joined."""

    def __init__(self, what: str, error: BaseException | str) -> None:
        self.error = error
        detail = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
        super().__init__(f"resubscribe failed: {what}: {detail}")


class IdleDisconnect(WebSocketError):
    """A connection held idle did not survive: the server (or a gateway) closed it, it was lost
    without a close frame, or the first message after the hold failed."""


class NamespaceRefused(ConnectError):
    """The Socket.IO server refused to connect a namespace (a ``CONNECT_ERROR`` packet), e.g. its
    connect handler raised ``ConnectionRefusedError("invalid token")``; carries the server's message."""

    def __init__(self, namespace: str, message: str) -> None:
        self.namespace = namespace
        self.server_message = message
        super().__init__(f"namespace {namespace} refused: {message}")


class AckTimeout(ReplyTimeout):
    """A Socket.IO ``call`` got no acknowledgement in time."""

    def __init__(self, timeout: float) -> None:
        super().__init__(timeout)
        self.args = (f"no ack within {timeout:g} s",)


class HeartbeatMissed(WebSocketError):
    """The Engine.IO server sent no ping within pingInterval + pingTimeout; the connection is then
    treated as lost (the Engine.IO rule), and reopened when reconnecting is on."""

    def __init__(self, limit: float) -> None:
        self.limit = limit
        super().__init__(f"no Engine.IO ping within {limit:g} s (pingInterval + pingTimeout)")


class ActionRefused(WebSocketError):
    """The server acknowledged a room action (``join``/``leave``) with an error, such as a rate limit."""

    def __init__(self, action: str, error: str, reason: str = "") -> None:
        self.action = action
        self.error = error
        self.reason = reason
        super().__init__(f"{action} refused: {error}" + (f" ({reason})" if reason else ""))


class UserClassError(WebSocketError, ValueError):
    """A user class attribute has a value it cannot take (``ping_interval = "1s"``); the text names
    the class and the attribute. A Locust run refuses such a class before any load (exit code 2)."""
