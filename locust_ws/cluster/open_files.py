"""The open-files limit of a load generator: raised as far as the system allows, and a clear
warning at start-up when it is still below the users planned for the process.

Every connection holds a file descriptor, and the usual default soft limit (1024) ends a run at
about a thousand users with ``Too many open files`` failures. An unprivileged process may raise its
soft limit up to the hard one, so every Locust process (master, workers, single process) does that
at ``init``. What is still too low after that is the hard limit, which only the system can raise
(``ulimit -Hn``, systemd's ``LimitNOFILE``, ``docker run --ulimit nofile=...``): that is what the
warning says, once the planned user count is known.
"""

from __future__ import annotations

import logging
import math
import resource
from typing import Any

from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

logger = logging.getLogger(__name__)

SPARE_FILES = 100
"""Descriptors a Locust process needs besides its users' connections (logs, web UI, master link)."""


def raise_open_files_limit(planned: int = 0) -> tuple[int, int]:
    """Raise the soft ``RLIMIT_NOFILE`` to the hard limit; return ``(soft, hard)`` as they are
    now, and log a warning when they leave no room for ``planned`` connections."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 1_048_576)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (OSError, ValueError) as error:
            logger.debug("could not raise the open-files limit to %s: %s", wanted, error)
    warning = open_files_warning(soft, hard, planned)
    if warning:
        logger.warning("%s", warning)
    return soft, hard


def open_files_warning(soft: int, hard: int, planned: int) -> str | None:
    """The warning for a process that may open ``soft`` files and plans ``planned`` connections,
    or ``None`` when they fit."""
    if planned <= 0 or soft == resource.RLIM_INFINITY or planned + SPARE_FILES <= soft:
        return None
    return (
        f"locust-ws: this process may open {soft} files (ulimit -n; hard limit {hard}) but plans "
        f"{planned} users: every connection needs one, so connections beyond about "
        f"{max(soft - SPARE_FILES, 0)} will fail with 'Too many open files'. Raise the hard limit "
        "(ulimit -Hn, LimitNOFILE, docker --ulimit nofile=N:N) or spread the users over more worker "
        "processes (one per core: locust --processes N)."
    )


def planned_users(environment: Environment) -> int:
    """Users this process will run, as far as it is known at start-up: ``-u`` (split over the
    expected workers on a master), else what the runner is spawning."""
    runner = environment.runner
    target = getattr(runner, "target_user_count", None) or 0
    options = environment.parsed_options
    num_users = getattr(options, "num_users", None) or 0
    if isinstance(runner, MasterRunner):
        workers = max(getattr(options, "expect_workers", 1) or 1, 1)
        return math.ceil(max(num_users, target) / workers)
    return max(num_users, target)


def install(environment: Environment) -> None:
    """Raise this process's limit and warn at start-up when it is short of the users planned."""
    raise_open_files_limit()

    def on_test_start(**_kwargs: Any) -> None:
        if not isinstance(environment.runner, WorkerRunner):
            _warn_if_short(planned_users(environment))

    def on_spawning_complete(user_count: int, **_kwargs: Any) -> None:
        if isinstance(environment.runner, WorkerRunner):  # a worker learns its share only now
            _warn_if_short(user_count)

    environment.events.test_start.add_listener(on_test_start)
    environment.events.spawning_complete.add_listener(on_spawning_complete)


def _warn_if_short(planned: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    warning = open_files_warning(soft, hard, planned)
    if warning:
        logger.warning("%s", warning)
