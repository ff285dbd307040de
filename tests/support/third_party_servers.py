"""Third-party servers for the interop tests (tests/integration/interop), each a child process on
free loopback ports: Node's ``ws`` 8 and the official ``socket.io`` 4 (from ``servers/node_modules``,
installed by ``npm ci --prefix tests/integration/interop/servers``), and Python's ``websockets``.

Without Node or those packages the tests are skipped on a developer machine, and fail in CI (the
``CI`` environment variable set), where they must run.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from .paths import ROOT

SERVERS = ROOT / "tests" / "integration" / "interop" / "servers"
NODE_PACKAGES = ("ws", "socket.io")
START_TIMEOUT_S = 15.0
SOCKETIO_TOKEN = "good-token"
"""The ``auth.token`` that ``sio_server.js`` accepts on ``/chat``."""


def unavailable(reason: str) -> None:
    """Skip on a developer machine; fail in CI, which must run every interop test."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: the interop tests must run there)", pytrace=False)
    pytest.skip(reason)


def node_command(script: str) -> list[str]:
    node = shutil.which("node")
    if node is None:
        unavailable("node is not on PATH: the Node interop servers cannot run")
    missing = [name for name in NODE_PACKAGES if not (SERVERS / "node_modules" / name).is_dir()]
    if missing:
        unavailable(
            f"{', '.join(missing)} not installed in {SERVERS / 'node_modules'}: "
            "run `npm ci --prefix tests/integration/interop/servers`"
        )
    return [node, str(SERVERS / script)]


def python_command(script: str) -> list[str]:
    if importlib.util.find_spec("websockets") is None:
        unavailable("the websockets package is not installed: pip install -e '.[test]'")
    return [sys.executable, str(SERVERS / script)]


@contextlib.contextmanager
def running(command: list[str]) -> Iterator[dict[str, Any]]:
    """Run a server program; yield the JSON line it prints once it listens, stop it at the end."""
    process = subprocess.Popen(command, cwd=SERVERS, stdout=subprocess.PIPE)
    try:
        yield _read_listening_line(process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        assert process.stdout is not None
        process.stdout.close()


def _read_listening_line(process: subprocess.Popen) -> dict[str, Any]:
    assert process.stdout is not None
    fd = process.stdout.fileno()
    deadline = time.monotonic() + START_TIMEOUT_S
    output = b""
    while b"\n" not in output and (remaining := deadline - time.monotonic()) > 0:
        readable, _, _ = select.select([fd], [], [], remaining)
        if not readable:
            break
        chunk = os.read(fd, 4096)  # unbuffered: a buffered readline could block past the deadline
        if not chunk:
            raise RuntimeError(f"{process.args} exited ({process.wait()}) before listening: {output!r}")
        output += chunk
    if b"\n" not in output:
        raise RuntimeError(f"{process.args} printed no port within {START_TIMEOUT_S:g} s: {output!r}")
    return json.loads(output.partition(b"\n")[0])


@dataclass(frozen=True)
class WebSocketServer:
    """A running WebSocket server with the paths of ``servers/ws_server.js``."""

    url: str
    """``ws://127.0.0.1:PORT``, the port with one behaviour per path."""
    bound_url: str
    """``ws://127.0.0.1:PORT/some/path``, a server that only upgrades that exact path."""
    bound_path: str


WEBSOCKET_SERVERS: dict[str, Callable[[], list[str]]] = {
    "node-ws": lambda: node_command("ws_server.js"),
    "python-websockets": lambda: python_command("websockets_server.py"),
}
"""The command of each third-party WebSocket server, by the test id it runs under."""


@contextlib.contextmanager
def websocket_server(name: str) -> Iterator[WebSocketServer]:
    """The WebSocket server ``name`` of ``WEBSOCKET_SERVERS``, running until the block ends."""
    with running(WEBSOCKET_SERVERS[name]()) as ports:
        base = "ws://127.0.0.1"
        yield WebSocketServer(
            url=f"{base}:{ports['port']}",
            bound_url=f"{base}:{ports['bound_port']}{ports['bound_path']}",
            bound_path=ports["bound_path"],
        )


@contextlib.contextmanager
def socketio_server() -> Iterator[str]:
    """``http://127.0.0.1:PORT`` of the official socket.io server (``servers/sio_server.js``),
    accepting ``SOCKETIO_TOKEN``, running until the block ends."""
    with running([*node_command("sio_server.js"), "--token", SOCKETIO_TOKEN]) as ports:
        yield f"http://127.0.0.1:{ports['port']}"
