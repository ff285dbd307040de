"""Keeping credentials out of everything a run writes.

A token travels in a handshake's query string, its headers (``Authorization: Bearer ...``) or a
Socket.IO ``auth`` payload. Request names never hold any of these (they are paths, see
``urls.py``), but failure texts can: a server that echoes the token in its close reason or its
refusal, a library error quoting the URL it failed on (a redirect target, an HTTP error of the
long-polling transport), a handler or ``catch_response`` message that prints a message carrying it.
Failure texts end up in the stats, the console, the log and every report, so each failure leaving a
session is scrubbed here first (``Reporter`` calls ``redact_error``): the secrets of the connection
it belongs to become ``<redacted>``, and so does any query string, known or not.

Pure functions, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

REDACTED = "<redacted>"

MIN_SECRET_LENGTH = 8
"""Shorter values are not treated as secrets: real credentials are longer, and scrubbing short
values such as ``1`` or ``lobby`` would mangle unrelated text (close codes, room names)."""

PUBLIC_HEADERS = frozenset(
    {
        "accept",
        "accept-encoding",
        "accept-language",
        "cache-control",
        "connection",
        "content-type",
        "host",
        "origin",
        "pragma",
        "sec-websocket-extensions",
        "sec-websocket-protocol",
        "sec-websocket-version",
        "upgrade",
        "user-agent",
    }
)
"""Handshake headers whose values are never credentials; every other header value is a secret."""

PROTOCOL_QUERY_KEYS = frozenset({"EIO", "transport", "sid"})
"""Engine.IO's own query parameters, added by the Socket.IO session: not the user's secrets."""

_QUERY = re.compile(r"\?[^\s?#=&'\"<>()\[\]{}]+=[^\s#'\"<>()\[\]{}]*")
_USERINFO = re.compile(r"(?<=://)[^/\s@'\"]+@")
_WORDS = re.compile(r"[\s,;=]+")


def connection_secrets(url: str, headers: Mapping[str, str] | Sequence[str] | None = None) -> frozenset[str]:
    """The secrets a handshake to ``url`` with ``headers`` carries: the query values (but Engine.IO's
    own), the password of the URL's user info, and the values of every header that is not a known
    public one, whole and word by word (``Bearer <token>``, ``a=1; session=<id>``)."""
    parts = urlsplit(url)
    values = [value for key, value in parse_qsl(parts.query) if key not in PROTOCOL_QUERY_KEYS]
    if parts.password:
        values.append(parts.password)
    for name, value in _header_items(headers):
        if name.strip().lower() not in PUBLIC_HEADERS:
            values.append(value.strip())
            values.extend(_WORDS.split(value))
    return _secrets(values)


def payload_secrets(payload: Any) -> frozenset[str]:
    """Every string and number leaf of a Socket.IO ``auth`` payload (dicts and lists walked)."""
    values: list[str] = []
    pending = [payload]
    while pending:
        item = pending.pop()
        if isinstance(item, Mapping):
            pending.extend(item.values())
        elif isinstance(item, (list, tuple)):
            pending.extend(item)
        elif isinstance(item, (str, int, float)) and not isinstance(item, bool):
            values.append(str(item))
    return _secrets(values)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every secret, every query string and every URL user info replaced by
    ``<redacted>``."""
    if "?" in text:
        text = _QUERY.sub("?" + REDACTED, text)
    if "@" in text:
        text = _USERINFO.sub(REDACTED + "@", text)
    for secret in sorted(secrets, key=len, reverse=True):  # a header value before its token
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def redact_error(error: BaseException, secrets: Iterable[str] = ()) -> BaseException:
    """``error`` with its text redacted. Its string arguments are rewritten in place, so the
    exception a locustfile catches is as clean as the reported one; an exception whose text does
    not come from its arguments is replaced by a ``RedactedError`` carrying the clean text."""
    secrets = tuple(secrets)
    text, representation = str(error), repr(error)
    if redact(text, secrets) == text and redact(representation, secrets) == representation:
        return error
    error.args = tuple(redact(arg, secrets) if isinstance(arg, str) else arg for arg in error.args)
    if redact(str(error), secrets) != str(error) or redact(repr(error), secrets) != repr(error):
        return RedactedError(f"{type(error).__name__}: {redact(text, secrets)}")
    return error


class RedactedError(Exception):
    """Stands in for a reported exception whose text held a secret that could not be removed in
    place (its ``__str__`` does not come from its arguments)."""


def _header_items(headers: Mapping[str, str] | Sequence[str] | None) -> list[tuple[str, str]]:
    if not headers:
        return []
    if isinstance(headers, Mapping):
        return [(str(name), str(value)) for name, value in headers.items()]
    return [tuple(line.split(":", 1)) for line in headers if ":" in line]  # type: ignore[misc]


def _secrets(values: Iterable[str]) -> frozenset[str]:
    """The values long enough to be secrets, with their URL-encoded forms (how they appear in URLs)."""
    found: set[str] = set()
    for value in values:
        if len(value) >= MIN_SECRET_LENGTH and value not in REDACTED:
            found.update((value, quote(value, safe=""), quote_plus(value, safe="")))
    return frozenset(found)
