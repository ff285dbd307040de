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


def test_a_connect_the_server_never_completes_times_out_naming_the_tcp_phase():
    """One deadline covers the handshake from the TCP connect on. A listener whose accept queue is
    full drops our SYN, so the connect itself never completes: the timeout says so, on time, and
    leaves no socket open."""
    import os
    import socket
    import time

    from locust_ws.transport.wire import HandshakeTimeout

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    queued = []
    for _ in range(3):  # fill the accept queue; nobody accepts
        peer = socket.socket()
        peer.setblocking(False)
        peer.connect_ex(("127.0.0.1", port))
        queued.append(peer)
    time.sleep(0.2)
    open_before = len(os.listdir("/proc/self/fd"))
    started = time.monotonic()
    try:
        with pytest.raises(HandshakeTimeout) as raised:
            open_websocket(f"ws://127.0.0.1:{port}/echo", {"timeout": 0.4})
        elapsed = time.monotonic() - started
    finally:
        for peer in queued:
            peer.close()
        listener.close()
    assert raised.value.phase == "no TCP connection"
    assert 0.35 < elapsed < 3.0
    assert len(os.listdir("/proc/self/fd")) <= open_before - len(queued) - 1
