"""Room membership for the fan-out endpoint."""

from __future__ import annotations

from .connection import Connection


class Rooms:
    """Room name -> members; empty rooms disappear so `/stats` shows only live ones."""

    def __init__(self) -> None:
        self._members: dict[str, set[Connection]] = {}

    def join(self, name: str, conn: Connection) -> set[Connection]:
        members = self._members.setdefault(name, set())
        members.add(conn)
        return members

    def leave(self, name: str, conn: Connection) -> None:
        members = self._members.get(name)
        if members is None:
            return
        members.discard(conn)
        if not members:
            del self._members[name]

    def sizes(self) -> dict[str, int]:
        return {name: len(members) for name, members in self._members.items()}
