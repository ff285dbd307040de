"""What a request/reply round trip returns, and the ``catch_response`` form that lets the locustfile
judge a reply before it is reported, as Locust's HTTP users do."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any


@dataclass
class Reply:
    """One round trip. ``data`` is the reply (dict/list for JSON, ``str`` for other text, ``bytes``
    for binary) or ``None`` when none came; ``response_time`` is in milliseconds."""

    name: str
    data: Any = None
    response_time: float | None = None
    response_length: int = 0
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        """True when a reply arrived and nothing marked it as failed."""
        return self.error is None


class CaughtReply(Reply):
    """A reply reported only when its ``with`` block ends, as a success unless ``failure()`` was
    called, the reply never came, or the block raised."""

    def __init__(self, reply: Reply, report: Callable[[Reply], None]) -> None:
        super().__init__(reply.name, reply.data, reply.response_time, reply.response_length, reply.error)
        self._report = report

    def success(self) -> None:
        """Report this round trip as a success, even if it timed out."""
        self.error = None

    def failure(self, message: str | BaseException) -> None:
        """Report this round trip as a failure with ``message``."""
        self.error = message if isinstance(message, BaseException) else CatchResponseError(message)

    def __enter__(self) -> CaughtReply:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc is not None:
            self.error = exc
        self._report(self)


class CatchResponseError(Exception):
    """A failure declared by the locustfile through ``reply.failure(message)``."""
