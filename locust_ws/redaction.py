"""Keeping credentials out of everything a run writes.

A token travels in a handshake's query string, its headers (``Authorization: Bearer ...``) or a
Socket.IO ``auth`` payload. Request names never hold any of these (they are paths, see
``urls.py``), but failure texts can: a server that echoes the token in its close reason or its
refusal, a library error quoting the URL it failed on (a redirect target, an HTTP error of the
long-polling transport), a handler or ``catch_response`` message that prints a message carrying it.
Failure texts end up in the stats, the console, the log and every report, so each failure leaving a
session is scrubbed here first (``Reporter`` calls ``redact_error``): the secrets of the connection
it belongs to become ``<redacted>``, and so does any query string, known or not.

A value in a *secret position* (a query parameter named like a credential, an ``Authorization``,
``Cookie`` or API-key header, a string leaf of a Socket.IO ``auth`` payload) is a secret whatever
its length: a 6-character API key is still a key. Other values count only from
``MIN_SECRET_LENGTH`` characters on, and a short secret is replaced only as a whole word, so that
scrubbing it cannot mangle the digits of a close code or a timeout.

The host a run targets is the other way out: Locust shows it in its web UI and its HTML report.
``display_url`` is that URL with its secrets replaced, and ``scrub_url`` replaces a URL by its
display form inside rendered text (HTML, JSON, CSV), in the escapings those renderers use.

Pure functions, no I/O.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit, urlunsplit

REDACTED = "<redacted>"

MIN_SECRET_LENGTH = 8
"""Values outside a secret position count as secrets from this length on: scrubbing every short
query value or header word (``1``, ``lobby``, ``dark``) would mangle unrelated text."""

SECRET_QUERY_KEYS = frozenset(
    {"token", "access_token", "key", "auth", "password", "passwd", "pwd", "sig", "signature"}
    | {"secret", "api_key", "apikey", "jwt", "credential", "credentials", "session"}
)
"""Query parameters (compared in lower case, ``-`` as ``_``) whose value is a secret at any length;
so is any parameter ending in ``_token``, ``_secret``, ``_key``, ``_password`` or ``_sig``."""
_SECRET_KEY_SUFFIXES = ("_token", "_secret", "_key", "_password", "_sig")

SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "x-api-key", "api-key", "x-auth-token"}
)
"""Headers whose value is a secret at any length: the whole value, the credential after an
``Authorization`` scheme (``Bearer``, ``Basic``), and each cookie's value."""

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

_AUTH_SCHEMES = frozenset({"basic", "bearer", "digest", "token", "negotiate", "apikey"})
_QUERY = re.compile(r"\?[^\s?#=&'\"<>()\[\]{}]+=[^\s#'\"<>()\[\]{}]*")
_USERINFO = re.compile(r"(?<=://)[^/\s@'\"]+@")
_WORDS = re.compile(r"[\s,;=]+")


def is_secret_key(name: str) -> bool:
    """Whether a query parameter or ``auth`` key called ``name`` holds a credential."""
    key = name.strip().lower().replace("-", "_")
    return key in SECRET_QUERY_KEYS or key.endswith(_SECRET_KEY_SUFFIXES)


def connection_secrets(url: str, headers: Mapping[str, str] | Sequence[str] | None = None) -> frozenset[str]:
    """The secrets a handshake to ``url`` with ``headers`` carries: the query values (but Engine.IO's
    own; those of credential-named parameters at any length), the password of the URL's user info,
    and the values of every header that is not a known public one, whole and word by word
    (``Bearer <token>``, ``a=1; session=<id>``; ``SECRET_HEADERS`` at any length)."""
    if not headers:
        return _url_secrets(url)
    values: list[str] = []
    any_length: list[str] = []
    for name, value in _header_items(headers):
        header = name.strip().lower()
        if header in SECRET_HEADERS:
            any_length.extend(_credentials(header, value.strip()))
        elif header not in PUBLIC_HEADERS:
            values.append(value.strip())
            values.extend(_WORDS.split(value))
    return _url_secrets(url) | _secrets(values) | _secrets(any_length, min_length=1)


@functools.lru_cache(maxsize=256)
def _url_secrets(url: str) -> frozenset[str]:
    """``connection_secrets`` of the URL alone: its query values and user-info password. Cached,
    as every reconnect of a user (and every failure text scrubbed) derives them from the same URL."""
    parts = urlsplit(url)
    values: list[str] = []
    any_length: list[str] = []
    for key, value in parse_qsl(parts.query):
        if key not in PROTOCOL_QUERY_KEYS:
            (any_length if is_secret_key(key) else values).append(value)
    if parts.password:
        any_length.append(parts.password)
    return _secrets(values) | _secrets(any_length, min_length=1)


def payload_secrets(payload: Any) -> frozenset[str]:
    """The leaves of a Socket.IO ``auth`` payload (dicts and lists walked): every string whatever
    its length, numbers under a credential-named key too, other numbers from
    ``MIN_SECRET_LENGTH`` digits on (``{"v": 1}`` must not redact every ``1``)."""
    values: list[str] = []
    any_length: list[str] = []
    pending: list[tuple[str, Any]] = [("", payload)]
    while pending:
        key, item = pending.pop()
        if isinstance(item, Mapping):
            pending.extend((str(name), value) for name, value in item.items())
        elif isinstance(item, (list, tuple)):
            pending.extend((key, value) for value in item)
        elif isinstance(item, str):
            any_length.append(item)
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            (any_length if is_secret_key(key) else values).append(str(item))
    return _secrets(values) | _secrets(any_length, min_length=1)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every secret, every query string and every URL user info replaced by
    ``<redacted>``."""
    if "?" in text:
        text = _QUERY.sub("?" + REDACTED, text)
    if "@" in text:
        text = _USERINFO.sub(REDACTED + "@", text)
    return redact_known(text, secrets)


def redact_tags(
    tags: tuple[tuple[str, str], ...], secrets: Iterable[str] = ()
) -> tuple[tuple[str, str], ...]:
    """Event tags (``sessions.events.Tags``) safe to render: the value of a credential-named tag
    (``token``, ``api_key``, ...) becomes ``<redacted>`` whatever it is, and so do the connection's
    ``secrets`` and query strings inside any other value. Tags become row labels of every report."""
    return tuple((key, REDACTED if is_secret_key(key) else redact(value, secrets)) for key, value in tags)


def display_url(url: str) -> str:
    """``url`` as it may be shown: the value of every query parameter that holds a secret (as
    ``connection_secrets`` decides) and the user info's password replaced by ``<redacted>``;
    ``ws://h/echo?token=<redacted>&room=lobby``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact(url)
    secrets = connection_secrets(url)
    if not secrets:
        return url
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = "&".join(
        f"{quote_plus(key)}={REDACTED if value in secrets else quote_plus(value)}" for key, value in pairs
    )
    netloc = parts.netloc
    if parts.password:
        netloc = f"{parts.username}:{REDACTED}@{netloc.rpartition('@')[2]}"
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def scrub_url(text: str, url: str, markup: bool = True) -> str:
    """``text`` with ``url`` replaced by ``display_url(url)`` and the URL's longer secrets replaced
    wherever they appear. ``markup``: ``text`` is HTML or JSON made by Locust's renderers, so the
    URL is looked for as written, HTML-escaped and escaped as Jinja's ``tojson`` does, and the
    replacement is written as ``tojson`` would (``\\u003credacted\\u003e``: valid in a JSON string
    and inside a page's script, where Locust's pages keep the host). Otherwise (CSV, a header)
    it is written as is. A URL without secrets leaves the text as it is."""
    shown = display_url(url)
    if shown == url:
        return text
    if markup:
        replacement = _tojson_escaped(shown)
        for written in (_tojson_escaped(url), _html_escaped(url), url):
            text = text.replace(written, replacement)
    else:
        text = text.replace(url, shown)
    return redact_known(
        text, [secret for secret in connection_secrets(url) if len(secret) >= MIN_SECRET_LENGTH]
    )


def redact_known(text: str, secrets: Iterable[str]) -> str:
    """``text`` with each of ``secrets`` replaced, and nothing else (``redact`` also removes every
    query string, which would break a web page's scripts). A secret shorter than
    ``MIN_SECRET_LENGTH`` is replaced only where it stands as a whole word."""
    for secret in sorted(secrets, key=len, reverse=True):  # a header value before its token
        if secret in text:
            if len(secret) >= MIN_SECRET_LENGTH:
                text = text.replace(secret, REDACTED)
            else:
                text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])", REDACTED, text)
    return text


def _html_escaped(text: str) -> str:
    return html.escape(text, quote=True)


def _tojson_escaped(text: str) -> str:
    """As Jinja's ``tojson`` filter writes a string inside a page (``htmlsafe_json_dumps``)."""
    return (
        text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e").replace("'", "\\u0027")
    )


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


def _credentials(header: str, value: str) -> list[str]:
    """The secrets of a ``SECRET_HEADERS`` value: the whole of it, plus the credential after an
    ``Authorization`` scheme, or each cookie's value."""
    found = [value]
    if header == "cookie":
        found += [pair.partition("=")[2].strip() for pair in value.split(";")]
    elif header.endswith("authorization"):
        scheme, _, credential = value.partition(" ")
        if credential and scheme.lower() in _AUTH_SCHEMES:
            found += [credential.strip(), *(word.partition("=")[2] for word in _WORDS.split(credential))]
    return [item for item in found if item]


def _secrets(values: Iterable[str], min_length: int = MIN_SECRET_LENGTH) -> frozenset[str]:
    """The values long enough to be secrets, with their URL-encoded forms (how they appear in URLs)."""
    found: set[str] = set()
    for value in values:
        # A long value inside "<redacted>" would be found again in every replacement.
        if len(value) >= min_length and not (len(value) >= MIN_SECRET_LENGTH and value in REDACTED):
            found.update((value, quote(value, safe=""), quote_plus(value, safe="")))
    return frozenset(found)
