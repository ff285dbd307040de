"""The Socket.IO tests run against the suite's demo server started with Engine.IO heartbeats and
room limits short enough to test in a second or two."""

from __future__ import annotations

from collections.abc import Iterator

import gevent
import pytest

from locust_ws.demo import start_demo_process, stop_demo_process

PING_INTERVAL = 1.0  # python-engineio advertises whole seconds only
PING_TIMEOUT = 0.5
JOIN_COOLDOWN = 0.5
ROOM_CAPACITY = 3
FAST_SOCKETIO = [
    "--sio-ping-interval",
    str(PING_INTERVAL),
    "--sio-ping-timeout",
    str(PING_TIMEOUT),
    "--sio-join-cooldown",
    str(JOIN_COOLDOWN),
    "--sio-room-capacity",
    str(ROOM_CAPACITY),
]


@pytest.fixture(scope="session")
def demo_url() -> Iterator[str]:
    """Overrides the suite's demo server for the Socket.IO tests: the same server, started with
    fast Socket.IO heartbeats and short room limits. ``environment``, ``event_log``, ``demo_http``
    and ``login`` of tests/conftest.py then point at it."""
    process, url = start_demo_process(FAST_SOCKETIO)
    yield url
    stop_demo_process(process)


def wait_until(condition, timeout: float = 5.0, interval: float = 0.02) -> None:
    """Poll ``condition()`` until it is true; fail the test after ``timeout`` seconds."""
    with gevent.Timeout(timeout, AssertionError(f"condition not met within {timeout} s")):
        while not condition():
            gevent.sleep(interval)
