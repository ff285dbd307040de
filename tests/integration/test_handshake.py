"""The lean opening handshake against the demo server, and the cases that keep websocket-client's
(the request and the response checks alone: tests/unit/test_handshake.py)."""

from __future__ import annotations

import pytest

from locust_ws import ConnectError, WebSocketSession
from locust_ws.transport.wire import WireSocket, open_websocket


def test_lean_handshake_opens_a_working_connection(demo_url):
    wire = open_websocket(f"{demo_url}/echo", {"timeout": 5, "header": {"X-Trace": "1"}})
    try:
        assert isinstance(wire, WireSocket)
        wire.send(b'{"id": 1}')
        assert wire.read() == [(1, b'{"id": 1}')]
    finally:
        wire.shutdown()


def test_overridden_origin_still_connects_through_websocket_client(make_session_factory):
    session = make_session_factory()
    session.connect("/echo", headers={"Origin": "http://load-test.example"})
    assert session.request({"via": "websocket-client"}).ok


def test_refused_lean_handshake_names_the_status(make_session_factory):
    session = make_session_factory()
    with pytest.raises(ConnectError, match="HTTP 404"):
        session.connect("/status/404")


@pytest.fixture
def make_session_factory(environment):
    sessions: list[WebSocketSession] = []

    def make() -> WebSocketSession:
        session = WebSocketSession(environment.host, environment.events.request, ping_interval=0)
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        session.close()
