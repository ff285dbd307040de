"""``self.http``: Locust's ``HttpSession`` made to keep the promises the sockets keep.

A realtime test usually logs in over REST and then opens its sockets with the token, so the HTTP
rows sit in the same stats and reports as the socket rows and must be as clean and as trustworthy:

- request names are paths (``/profile``, never Locust's default ``/profile?token=...``), as for
  the sockets; an explicit ``name=`` is kept, with any query string or credential in it redacted.
  Locust also quotes the name in its HTTP errors (``404 Client Error: Not Found for url: <name>``);
- failure texts and URLs are redacted the way socket failures are (``redaction.py``), with the
  request headers' credentials (``Authorization``, cookies) as secrets too: a ``catch_response``
  message or a connection error can quote them;
- at ``--loglevel DEBUG`` urllib3 logs every request line (``"GET /profile?token=... HTTP/1.1"``)
  and redirect target: the query strings of its records are redacted (``LIBRARY_LOGGERS``), so the
  log file keeps the token out too;
- a CA bundle set on the session (``ca_certs``) wins over ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE``,
  which requests otherwise lets replace the session's ``verify`` on every request.
"""

from __future__ import annotations

import logging
from typing import Any

from locust.clients import HttpSession, LocustHttpAdapter, ResponseContextManager
from locust.event import EventHook

from ..protocol.urls import display_path
from ..redaction import connection_secrets, redact, redact_error
from ..transport.sources import SourceAddressAdapter, source_failure

LIBRARY_LOGGERS = ("urllib3.connectionpool", "urllib3.poolmanager", "urllib3.util.retry", "websocket")
"""The loggers of the HTTP and WebSocket libraries whose debug records quote URLs."""


class RedactingFilter(logging.Filter):
    """Rewrites a log record whose text holds a query string or URL user info (``redact``). A
    logger runs its filters only for records it emits, so below ``DEBUG`` this costs nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        clean = redact(text)
        if clean != text:
            record.msg, record.args = clean, ()
        return True


_log_filter = RedactingFilter()


def install_log_filter() -> None:
    """Put ``RedactingFilter`` on every one of ``LIBRARY_LOGGERS`` (once)."""
    for name in LIBRARY_LOGGERS:
        library_logger = logging.getLogger(name)
        if _log_filter not in library_logger.filters:
            library_logger.addFilter(_log_filter)


class RealtimeHttpSession(HttpSession):
    """Locust's HTTP client with path-only request names, redacted reports and log records, and
    a session CA bundle that the environment cannot override."""

    def __init__(self, base_url: str, request_event: EventHook, user: Any = None, **kwargs: Any) -> None:
        self._reports = _RedactingRequestEvent(request_event)
        super().__init__(base_url, self._reports, user, **kwargs)
        install_log_filter()

    def request(  # type: ignore[override]
        self, method: str | bytes, url: str | bytes, name: str | None = None, *args: Any, **kwargs: Any
    ) -> ResponseContextManager:
        if not name and not self.request_name:
            name = display_path(self._build_url(url.decode() if isinstance(url, bytes) else url))
        return super().request(method, url, name, *args, **kwargs)

    def bind_source(self, address: str) -> None:
        """Send every request from the local IP ``address`` (``RealtimeUser.source_addresses``)."""
        for scheme in ("http://", "https://"):
            self.mount(scheme, _SourceAddressLocustAdapter(address, pool_manager=None))
        self._reports.source_address = address

    def merge_environment_settings(
        self,
        url: str,
        proxies: dict[str, str] | None,
        stream: bool | None,
        verify: bool | str | None,
        cert: str | tuple[str, str] | None,
    ) -> dict[str, Any]:
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if verify is None and isinstance(self.verify, str):
            settings["verify"] = self.verify
        return settings


class _SourceAddressLocustAdapter(SourceAddressAdapter, LocustHttpAdapter):
    """Locust's adapter (its TLS shortcuts kept) with connections leaving from one address."""


class _RedactingRequestEvent:
    """Stands in for ``events.request`` in the session: each report's name, URL and exception are
    redacted (the URL's query values, its user info and the sent headers' credentials) before the
    real hook fires, and a connect failure for want of a local port or source address is the one
    the sockets report (``PortsExhausted``, ``cannot connect from source address ...``)."""

    def __init__(self, event: EventHook) -> None:
        self._event = event
        self.source_address: str | None = None
        """Where the requests leave from (``bind_source``), for the failure of a full port range."""

    def fire(self, **kwargs: Any) -> Any:
        sent = getattr(kwargs.get("response"), "request", None)
        headers = dict(sent.headers) if sent is not None else None
        secrets = connection_secrets(str(kwargs.get("url") or ""), headers)
        kwargs["name"] = redact(str(kwargs.get("name")), secrets)
        if kwargs.get("url"):
            kwargs["url"] = redact(str(kwargs["url"]), secrets)
        if (exception := kwargs.get("exception")) is not None:
            exception = source_failure(exception, self.source_address) or exception
            kwargs["exception"] = redact_error(exception, secrets)
        return self._event.fire(**kwargs)
