"""Building connection URLs and the names that stand for them in the stats.

Names never contain the query string or user info: that is where tokens live, and request names end
up in the web UI, CSV and HTML reports.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit, urlunsplit

_WS_SCHEMES = {"ws": "ws", "wss": "wss", "http": "ws", "https": "wss"}
_HTTP_SCHEMES = {"ws": "http", "wss": "https", "http": "http", "https": "https"}


def _scheme(url: str, table: Mapping[str, str]) -> str:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in table:
        raise ValueError(
            f"unsupported URL scheme {scheme!r} in host/URL (use ws://, wss://, http:// or https://)"
            if scheme
            else "host must be an absolute URL such as ws://127.0.0.1:8765"
        )
    return table[scheme]


def check_url(url: str) -> None:
    """Raise ``ValueError`` saying what is wrong when ``url`` cannot be connected to: no supported
    scheme (``foo``, ``ftp://h``), no host (``http://``), a malformed address or port (``ws://[::1``,
    ``ws://h:99999``). The message never quotes the URL (it may carry a token)."""
    try:
        parts = urlsplit(url)
        hostname, _ = parts.hostname, parts.port  # the port is parsed (range, digits) when read
    except ValueError as error:
        raise ValueError(f"invalid host URL: {error}") from None
    _scheme(url, _WS_SCHEMES)
    if not hostname:
        raise ValueError("invalid host URL: no host name after the scheme (e.g. ws://127.0.0.1:8765)")


def ws_url(base: str | None, path_or_url: str = "", query: Mapping[str, object] | None = None) -> str:
    """The ``ws://``/``wss://`` URL for ``path_or_url`` relative to ``base`` (an http(s) base is
    mapped to ws(s)), with ``query`` appended; ``ValueError`` (``check_url``) for one that cannot be
    connected to."""
    url = _joined(base, path_or_url)
    if not query:
        return url
    extra = urlencode({k: v for k, v in query.items() if v is not None}, doseq=True)
    if not extra:
        return url
    scheme, netloc, path, query_text, _ = urlsplit(url)
    return urlunsplit((scheme, netloc, path, f"{query_text}&{extra}" if query_text else extra, ""))


@functools.lru_cache(maxsize=256)
def _joined(base: str | None, path_or_url: str) -> str:
    """``ws_url`` without the ``query`` mapping: a pure function of two strings, cached because a
    handshake-churning user joins the same two on every connect (parsing them was a tenth of the
    CPU of a connect and close on loopback)."""
    if "://" in path_or_url:
        target = path_or_url
    else:
        if not base:
            raise ValueError(
                "no host: set `host` on the user class or pass --host (e.g. --host ws://127.0.0.1:8765)"
            )
        check_url(base)
        parts = urlsplit(base)
        path, _, path_query = path_or_url.partition("?")
        if path and not path.startswith("/"):
            path = "/" + path
        query_text = "&".join(q for q in (parts.query, path_query) if q)
        target = urlunsplit(
            (parts.scheme, parts.netloc, parts.path.rstrip("/") + path or "/", query_text, "")
        )
    check_url(target)
    parts = urlsplit(target)
    scheme = _scheme(target, _WS_SCHEMES)
    return urlunsplit((scheme, parts.netloc, parts.path or "/", parts.query, ""))


def http_url(base: str) -> str:
    """The ``http://``/``https://`` origin of a ws(s) or http(s) base URL, for the REST client."""
    parts = urlsplit(base)
    return urlunsplit((_scheme(base, _HTTP_SCHEMES), parts.netloc, parts.path.rstrip("/"), "", ""))


@functools.lru_cache(maxsize=256)
def display_path(url: str) -> str:
    """The path of ``url`` for request names: no scheme, host, user info or query."""
    return urlsplit(url).path or "/"
