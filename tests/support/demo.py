"""The demo server as the tests drive it: its JSON endpoints (``/stats``, ``/login``, ``/admin/*``)
and the fast Socket.IO settings the Socket.IO integration tests start it with."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator

from locust_ws.demo import start_demo_process, stop_demo_process

from .paths import TEST_LOCUSTFILES

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
"""Demo server options for Engine.IO heartbeats and room limits short enough to test in a second
or two."""


def fetch_json(url: str, method: str = "GET", body: dict | None = None) -> dict:
    """The JSON answer of ``url`` (a POST without ``body`` sends an empty one)."""
    data = json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None)
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


@contextlib.contextmanager
def demo_of_its_own() -> Iterator[str]:
    """A demo server process for one test module alone, so its counters see no other test's
    frames; yields its ``ws://`` URL."""
    process, url = start_demo_process()
    try:
        yield url
    finally:
        stop_demo_process(process)


def server_stats(demo: str, reset: bool = False) -> dict:
    """The demo server's ``/stats`` counters (``reset``: zero them, and return what they were)."""
    http = demo.replace("ws://", "http://")
    return fetch_json(f"{http}/stats/reset", "POST") if reset else fetch_json(f"{http}/stats")


def run_totals_locustfile(demo: str, *options: str, users: int, seconds: int) -> subprocess.CompletedProcess:
    """``tests/locustfiles/totals.py`` headless against ``demo`` (its ``DEMO_URL``), with only
    ``PATH`` besides in the environment, so no ``LOCUST_*`` variable of the caller's changes it;
    fails on a traceback."""
    command = [sys.executable, "-m", "locust", "-f", str(TEST_LOCUSTFILES / "totals.py"), "--headless"]
    command += ["-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--stop-timeout", "5", *options]
    env = {"DEMO_URL": demo, "PATH": "/usr/bin:/bin"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=90, env=env, check=False)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return result
