"""Bad input refused before any load: what a run is configured with, checked once at start-up.

A malformed ``--ws-*`` option, or an output file that could not be written (``--ws-json``,
``--csv``, ``--html``), is refused by argparse (``options.py``); this covers what argparse never
sees: the class attributes of the user classes (``users/attributes.py``), the hosts (``--host`` or
a class's ``host``: ``foo``, ``http://``, ``ws://[::1`` would otherwise fail every connect of the
whole run), and the thresholds a locustfile passed to ``add_thresholds``. Each problem is one line,
as Locust's own command-line errors are, and the run exits with code 2 (Locust's code for bad
options) before anything connects: no traceback, no retries. Misspelt user-class attributes only
warn: they may be the locustfile's own.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable
from typing import NoReturn

from locust.env import Environment

from .protocol.urls import check_url
from .users.realtime import RealtimeUser

logger = logging.getLogger(__name__)

BAD_INPUT_EXIT_CODE = 2
"""Locust's (and argparse's) exit code for bad options."""


def realtime_classes(environment: Environment) -> list[type[RealtimeUser]]:
    """The run's locust-ws user classes, also those only offered by the web UI's class picker."""
    classes = [*environment.user_classes, *(environment.available_user_classes or {}).values()]
    unique = dict.fromkeys(cls for cls in classes if isinstance(cls, type) and issubclass(cls, RealtimeUser))
    return list(unique)


def class_problems(classes: Iterable[type[RealtimeUser]]) -> list[str]:
    return [problem for cls in classes for problem in cls.attribute_problems()]


def host_problems(environment: Environment, classes: Iterable[type[RealtimeUser]]) -> list[str]:
    """``--host`` (which Locust gives every class), else each class's own ``host``; no host at all
    is left to the embedded demo server."""
    if environment.host:
        return [f"argument --host: {error}" for error in _url_errors(environment.host)]
    return [f"{cls.__name__}.host: {error}" for cls in classes if cls.host for error in _url_errors(cls.host)]


def warn_misspellings(classes: Iterable[type[RealtimeUser]]) -> None:
    for cls in classes:
        for warning in cls.misspelt_attributes():
            logger.warning("locust-ws: %s", warning)


def refuse(problems: list[str]) -> NoReturn:
    """Print each problem as ``locust: error: ...`` (the program name argparse uses for Locust's
    own option errors) and exit with code 2."""
    program = os.path.basename(sys.argv[0]) or "locust"
    for problem in problems:
        sys.stderr.write(f"{program}: error: {problem}\n")
    sys.stderr.flush()
    raise SystemExit(BAD_INPUT_EXIT_CODE)


def _url_errors(url: str) -> list[str]:
    try:
        check_url(url)
    except ValueError as error:
        return [str(error)]
    return []
