"""Recorders of the Locust ``request`` events an environment fires, for assertions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from locust.env import Environment


@dataclass
class Event:
    request_type: str
    name: str
    response_time: float | None
    response_length: int
    exception: BaseException | None
    context: dict = field(default_factory=dict)


class EventLog:
    """Every Locust ``request`` event fired in an environment, for assertions."""

    def __init__(self, environment: Environment) -> None:
        self.events: list[Event] = []
        environment.events.request.add_listener(self._record)

    def _record(self, request_type, name, response_time, response_length, exception=None, context=None, **_):
        self.events.append(
            Event(request_type, name, response_time, response_length, exception, context or {})
        )

    def named(self, name: str) -> list[Event]:
        return [event for event in self.events if event.name == name]

    def successes(self, name: str) -> list[Event]:
        return [event for event in self.named(name) if event.exception is None]

    def failures(self, name: str | None = None) -> list[Event]:
        return [e for e in self.events if e.exception is not None and (name is None or e.name == name)]


@dataclass(frozen=True)
class CloseRow:
    """One end-of-connection event: its row name, the ``close_code`` it carries, its failure."""

    name: str
    close_code: int | None
    exception: BaseException | None


def record_closes(environment: Environment) -> list[CloseRow]:
    """Every close event ``environment`` fires from now on, with the ``close_code`` that
    ``EventLog`` does not keep (the list fills as they happen)."""
    rows: list[CloseRow] = []

    def record(name: str, exception: BaseException | None = None, context: Any = None, **_: Any) -> None:
        if context and context.get("ws_kind") == "close":
            rows.append(CloseRow(name, context.get("close_code"), exception))

    environment.events.request.add_listener(record)
    return rows
