"""The one place where measurements leave a session: Locust ``request`` events.

Every event carries its ``Kind`` as ``context["ws_kind"]``, plus the measurements of that kind
(``close_code``, ``send_ms``, ``sent_bytes``, ``namespace``) and what permessage-deflate did since
the previous event (``compression``): the contract of ``events.py``, which listeners such as the
metrics read instead of parsing row names, which locustfiles may rename.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from locust import User
from locust.event import EventHook

from ..protocol.deflate import PerMessageDeflate
from ..redaction import redact_error
from .events import Compression, EventContext, Kind

if TYPE_CHECKING:
    from typing_extensions import Unpack


class Reporter:
    """Fires request events of one ``request_type`` on behalf of one user (or none)."""

    def __init__(self, request_event: EventHook, request_type: str, user: Any = None) -> None:
        self.request_event = request_event
        self.request_type = request_type
        self.user = user
        # Locust's own User.context() is always {}: calling it for every frame would cost time.
        plain = user is None or getattr(type(user), "context", None) is User.context
        self._user_context = None if plain else user.context
        self.secrets: frozenset[str] = frozenset()
        """The credentials of the current connection, scrubbed from every failure text."""
        self.deflate: PerMessageDeflate | None = None
        """The permessage-deflate codec of the current connection, whose counters every event
        takes along (``None``: no compression, nothing to add)."""

    def fire(
        self,
        kind: Kind,
        name: str,
        response_time: float | None,
        response_length: int = 0,
        exception: BaseException | None = None,
        **context: Unpack[EventContext],
    ) -> None:
        """Report one measurement; ``response_time`` in milliseconds, ``None`` for frames that
        have no duration (so they count without dragging the percentiles down). A failure's
        text is redacted first (``redaction.py``): no secret reaches the stats or a report."""
        if exception is not None:
            exception = redact_error(exception, self.secrets)
        event: EventContext | dict[str, Any] = context
        if self._user_context is not None:  # the session's keys win over the user's
            event = {**self._user_context(), **context}
        event["ws_kind"] = kind
        if self.deflate is not None:
            counts = self.deflate.take()
            if counts is not None:
                event["compression"] = Compression(*counts)
        self.request_event.fire(
            request_type=self.request_type,
            name=name,
            response_time=response_time,
            response_length=response_length,
            exception=exception,
            context=event,
        )
