"""The Socket.IO tests run against the suite's demo server started with Engine.IO heartbeats and
room limits short enough to test in a second or two (``tests/support/demo.FAST_SOCKETIO``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from locust_ws.demo import start_demo_process, stop_demo_process

from ...support.demo import FAST_SOCKETIO


@pytest.fixture(scope="session")
def demo_url() -> Iterator[str]:
    """Overrides the suite's demo server for the Socket.IO tests: the same server, started with
    fast Socket.IO heartbeats and short room limits. ``environment``, ``event_log``, ``demo_http``
    and ``login`` of tests/conftest.py then point at it."""
    process, url = start_demo_process(FAST_SOCKETIO)
    yield url
    stop_demo_process(process)
