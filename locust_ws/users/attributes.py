"""The class attributes of the user classes: which values each accepts, and their names, to spot
a misspelt one.

A user class is configured by class attributes (``ping_interval = 10``), so a bad value would
otherwise surface only when users run into it, once per user and deep inside: ``ping_interval =
"1s"`` as a ``TypeError`` in the heartbeat scheduler, ``reconnect_base = -1`` as a reconnect storm,
``connect_timeout = 0`` as every handshake failing. Each class says what its attributes accept
(``RealtimeUser.attribute_checks``, extended by ``WebSocketUser`` and ``SocketIOUser``) and
``attribute_problems`` lists, once and before any load, what is wrong as one line naming the class
and the attribute. A name that is no attribute of ours or Locust's but close to one (``pth``,
``reconect``) is most likely a typo that silently leaves the default in place:
``misspelt_attributes`` says which attribute was probably meant.

Pure functions: no sockets, no gevent.
"""

from __future__ import annotations

import difflib
import inspect
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..sessions.events import make_tags

Check = Callable[[Any], "str | None"]
"""What is wrong with a value (``expected ...``), or ``None`` when it is acceptable."""

MISSPELLING_CUTOFF = 0.8
"""``difflib`` similarity from which an unknown attribute is taken for a misspelt known one:
``pth``/``path`` is 0.86, ``reconect``/``reconnect`` 0.94, ``token``/``room_key`` far below."""


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def positive_seconds(value: Any) -> str | None:
    return None if _is_number(value) and value > 0 else "expected a number of seconds > 0"


def seconds_or_off(value: Any) -> str | None:
    return None if _is_number(value) and value >= 0 else "expected a number of seconds >= 0 (0 = off)"


def non_negative_number(value: Any) -> str | None:
    return None if _is_number(value) and value >= 0 else "expected a number >= 0"


def count(value: Any) -> str | None:
    whole = isinstance(value, int) and not isinstance(value, bool)
    return None if whole and value >= 0 else "expected a whole number >= 0"


def positive_count(value: Any) -> str | None:
    whole = isinstance(value, int) and not isinstance(value, bool)
    return None if whole and value >= 1 else "expected a whole number >= 1"


def flag(value: Any) -> str | None:
    return None if isinstance(value, bool) else "expected True or False"


def text(value: Any) -> str | None:
    return None if isinstance(value, str) and value else "expected a non-empty string"


def path(value: Any) -> str | None:
    return None if isinstance(value, str) else "expected a path or URL string"


def optional_text(value: Any) -> str | None:
    return None if value is None or (isinstance(value, str) and value) else "expected None or a file path"


def strings(value: Any) -> str | None:
    """A list or tuple of strings; a bare string is the usual mistake (``("chat")`` without a comma)."""
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return None
    return "expected a list or tuple of strings"


def namespaces(value: Any) -> str | None:
    if strings(value) is None and value and all(item.startswith("/") for item in value):
        return None
    return "expected a list or tuple of namespaces starting with '/'"


def transports(value: Any) -> str | None:
    if strings(value) is None and value and set(value) <= {"websocket", "polling"}:
        return None
    return "expected a list or tuple of 'websocket' and/or 'polling'"


def headers(value: Any) -> str | None:
    if isinstance(value, Mapping) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        return None
    if strings(value) is None and all(":" in line for line in value):
        return None
    return "expected a dict of header names to strings, or 'Name: value' lines"


def tags(value: Any) -> str | None:
    """Event tags (``{"feed": "orders"}``) that ``events.make_tags`` accepts."""
    try:
        make_tags(value)
    except (TypeError, ValueError) as error:
        return f"expected a dict of tag names to values ({error})"
    return None


def auth(value: Any) -> str | None:
    ok = value is None or isinstance(value, Mapping) or callable(value)
    return None if ok else "expected None, a dict or a callable returning one"


def correlation(value: Any) -> str | None:
    ok = (isinstance(value, str) and value) or callable(value)
    return None if ok else "expected a JSON key or a callable returning a message's id"


def client_cert(value: Any) -> str | None:
    pair = (
        isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(item, str) for item in value)
    )
    ok = value is None or (isinstance(value, str) and value) or pair
    return None if ok else "expected None, a PEM file path or a (cert, key) pair of paths"


def _is_method(value: Any) -> bool:
    return callable(value) or isinstance(value, (staticmethod, classmethod, property))


def attribute_problems(cls: type, checks: Mapping[str, Check]) -> list[str]:
    """One line per attribute of ``cls`` whose value ``checks`` refuses, naming class and
    attribute: ``ChatUser.ping_interval = '1s': expected a number of seconds >= 0 (0 = off)``."""
    problems = []
    for name, check in checks.items():
        value = getattr(cls, name, None)
        complaint = check(value)
        if complaint is None:
            continue
        if inspect.isfunction(value):  # a task or handler that took the attribute's name
            problems.append(f"{cls.__name__}.{name} is a method, which hides the attribute: rename it")
        else:
            problems.append(f"{cls.__name__}.{name} = {value!r}: {complaint}")
    base: Any = getattr(cls, "reconnect_base", None)
    cap: Any = getattr(cls, "reconnect_cap", None)
    if not problems and _is_number(base) and _is_number(cap) and cap < base:
        problems.append(
            f"{cls.__name__}.reconnect_cap = {cap!r}: expected at least reconnect_base ({base!r})"
        )
    return problems


def misspelt_attributes(cls: type, known: Iterable[str]) -> list[str]:
    """One line per value attribute ``cls`` itself defines that no base class has but that is
    close to one of ``known``: ``ChatUser.pth is not a user class attribute; did you mean path?``.
    Methods (tasks, handlers) are the class's own vocabulary and are left alone."""
    known = sorted(set(known))
    inherited = {name for base in cls.__mro__[1:] for name in vars(base)}
    warnings = []
    for name, value in vars(cls).items():
        if name.startswith("_") or name in inherited or name in known or _is_method(value):
            continue
        match = difflib.get_close_matches(name, known, n=1, cutoff=MISSPELLING_CUTOFF)
        if match:
            warnings.append(f"{cls.__name__}.{name} is not a user class attribute; did you mean {match[0]}?")
    return warnings
