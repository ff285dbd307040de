"""Fixtures of the interop tests: the third-party servers of ``tests/support/third_party_servers``
(skipped without Node or the packages on a developer machine, failing in CI), and sessions that
name the server they talk to."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from locust.env import Environment

from locust_ws import WebSocketSession

from ...support.events import CloseRow, record_closes
from ...support.third_party_servers import (
    WEBSOCKET_SERVERS,
    WebSocketServer,
    socketio_server,
    websocket_server,
)


@pytest.fixture(scope="session", params=sorted(WEBSOCKET_SERVERS))
def ws_server(request: pytest.FixtureRequest) -> Iterator[WebSocketServer]:
    """Each third-party WebSocket server in turn (the tests using it run once per server)."""
    with websocket_server(request.param) as server:
        yield server


@pytest.fixture(scope="session")
def sio_server() -> Iterator[str]:
    """``http://127.0.0.1:PORT`` of the official socket.io server (``servers/sio_server.js``)."""
    with socketio_server() as url:
        yield url


@pytest.fixture
def environment() -> Environment:
    """Overrides the suite's: no host and no demo server, each test names the server it talks to.
    ``event_log`` of tests/conftest.py records this environment."""
    return Environment()


@pytest.fixture
def make_session(environment: Environment) -> Iterator[Callable[..., Any]]:
    """Builds sessions (``WebSocketSession`` unless ``session_class`` says otherwise) reporting to
    ``environment``, each closed when the test ends."""
    with contextlib.ExitStack() as cleanup:

        def make(base_url: str, session_class: type = WebSocketSession, **options: Any) -> Any:
            session = session_class(base_url, environment.events.request, **options)
            cleanup.callback(session.close)
            return session

        yield make


@pytest.fixture
def close_rows(environment: Environment) -> list[CloseRow]:
    """Every close event of ``environment``, with the ``close_code`` that EventLog does not keep."""
    return record_closes(environment)
