"""The one place where measurements leave a session: Locust ``request`` events.

Every event carries its ``Kind`` as ``context["ws_kind"]``, plus the measurements of that kind
(``close_code``, ``send_ms``, ``sent_bytes``, ``namespace``), what permessage-deflate did since
the previous event (``compression``) and the session's or the call's ``tags``: the contract of
``events.py``, which listeners such as the metrics read instead of parsing row names, which
locustfiles may rename. An untagged session adds no key and does no work for tags.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from locust import User
from locust.event import EventHook

from ..protocol.deflate import PerMessageDeflate
from ..redaction import redact_error, redact_tags
from .events import Compression, EventContext, Kind, Tags, make_tags

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
        self._secrets: frozenset[str] = frozenset()
        self._given_tags: Tags = ()
        self.tags: Tags = ()
        """The session's tags as every event carries them: scrubbed of credentials (``redact_tags``)."""
        self.deflate: PerMessageDeflate | None = None
        """The permessage-deflate codec of the current connection, whose counters every event
        takes along (``None``: no compression, nothing to add)."""

    @property
    def secrets(self) -> frozenset[str]:
        """The credentials of the current connection, scrubbed from every failure text and tag."""
        return self._secrets

    @secrets.setter
    def secrets(self, secrets: frozenset[str]) -> None:
        self._secrets = secrets
        self.tags = redact_tags(self._given_tags, secrets)

    def set_tags(self, tags: Mapping[str, object] | None) -> None:
        """The session's tags, on every event from now on; raises ``ValueError`` or ``TypeError``
        for tags no selector could name (``events.make_tags``)."""
        self._given_tags = make_tags(tags or {})
        self.tags = redact_tags(self._given_tags, self._secrets)

    def merged(self, tags: Mapping[str, object]) -> Tags:
        """One call's ``tags`` over the session's, scrubbed: what its event carries (``call_tags``).
        Checked before the call sends anything, so a bad tag costs no message."""
        return redact_tags(make_tags({**dict(self._given_tags), **tags}), self._secrets)

    def fire(
        self,
        kind: Kind,
        name: str,
        response_time: float | None,
        response_length: int = 0,
        exception: BaseException | None = None,
        call_tags: Tags | None = None,
        **context: Unpack[EventContext],
    ) -> None:
        """Report one measurement; ``response_time`` in milliseconds, ``None`` for frames that
        have no duration (so they count without dragging the percentiles down). A failure's
        text is redacted first (``redaction.py``): no secret reaches the stats or a report. The
        event carries ``call_tags`` (``merged``) or else the session's ``tags``, if any."""
        if exception is not None:
            exception = redact_error(exception, self._secrets)
        event: EventContext | dict[str, Any] = context
        if self._user_context is not None:  # the session's keys win over the user's
            event = {**self._user_context(), **context}
            event.pop("tags", None)  # the contract's key: the session's or the call's tags only
        event["ws_kind"] = kind
        tags = self.tags if call_tags is None else call_tags
        if tags:
            event["tags"] = tags
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
