"""The room convention: how many Socket.IO apps, our demo among them, let a client into a room.

Socket.IO itself has no client-side rooms: a room is a server-side group, and a client only gets
into one if the app lets it ask. The common way is an acked event carrying the room name under a
payload key (``join {"room": "lobby"}``), answered with an ack that says whether it worked; a
refusal is an ack like ``{"ok": false, "error": "rate_limited", "reason": "cooldown"}``, or one
with an ``error`` key. Messages to a room carry the same key. That is an application protocol on
top of Socket.IO, so it is kept here, apart from the session: ``SocketIOSession`` has a
``RoomConvention`` and hands it its ``call``.
"""

from __future__ import annotations

from typing import Any, Protocol

from ..errors import ActionRefused
from .replies import CaughtReply, Reply


class Call(Protocol):
    """The acked emit a room action goes through: ``SocketIOSession.call``."""

    def __call__(
        self, event: str, data: Any, *, namespace: str, timeout: float | None, catch_response: bool
    ) -> Reply: ...


class RoomConvention:
    """Joins and leaves by the convention, and the rooms the server confirmed per namespace."""

    def __init__(self, call: Call, room_key: str = "room") -> None:
        """``room_key``: the payload key of the room name, in room actions and in messages."""
        self.call = call
        self.room_key = room_key
        self.joined: dict[str, set[str]] = {}
        """Rooms per namespace, as the server's acks confirmed them."""

    def join(self, room: str, *, namespace: str, event: str, timeout: float | None) -> Reply:
        """Ask to join ``room`` (``call(event, {room_key: room})``); an error ack fails the call's
        row with ``ActionRefused``, a success adds the room to ``joined``."""
        return self._act(event, room, namespace, timeout, joining=True)

    def leave(self, room: str, *, namespace: str, event: str, timeout: float | None) -> Reply:
        """Ask to leave ``room``, as ``join`` does."""
        return self._act(event, room, namespace, timeout, joining=False)

    def address(self, data: dict[str, Any], room: str) -> dict[str, Any]:
        """A copy of a message payload addressed to ``room``."""
        return {**data, self.room_key: room}

    def forget(self, namespace: str | None = None) -> None:
        """Drop the rooms of ``namespace`` (all of them with ``None``): the server forgets a
        socket's rooms when it leaves the namespace, and a reconnected socket is in none."""
        if namespace is None:
            self.joined.clear()
        else:
            self.joined.pop(namespace, None)

    def _act(self, event: str, room: str, namespace: str, timeout: float | None, joining: bool) -> Reply:
        reply = self.call(
            event, {self.room_key: room}, namespace=namespace, timeout=timeout, catch_response=True
        )
        assert isinstance(reply, CaughtReply)  # catch_response: judged here, reported after the block
        with reply:
            refused = refusal(event, reply.data) if reply.ok else None
            if refused is not None:
                reply.failure(refused)
            elif reply.ok:
                rooms = self.joined.setdefault(namespace, set())
                (rooms.add if joining else rooms.discard)(room)
        return reply


def refusal(action: str, ack: Any) -> ActionRefused | None:
    """An error ack by the convention (``{"ok": false, "error": ...}`` or an ``error`` key)."""
    if not isinstance(ack, dict) or (ack.get("ok") is not False and "error" not in ack):
        return None
    return ActionRefused(action, str(ack.get("error", "refused")), str(ack.get("reason") or ""))
