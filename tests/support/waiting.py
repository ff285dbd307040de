"""Waiting for something the servers or the sessions do in the background."""

from __future__ import annotations

from collections.abc import Callable

import gevent


def wait_until(condition: Callable[[], object], timeout: float = 5.0, interval: float = 0.01) -> None:
    """Poll ``condition()`` every ``interval`` seconds until it is true; fail the test after
    ``timeout`` seconds."""
    with gevent.Timeout(timeout, AssertionError(f"condition not met within {timeout:g} s")):
        while not condition():
            gevent.sleep(interval)
