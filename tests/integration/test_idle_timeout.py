"""The demo server's ``--idle-timeout`` ends silent connections (closing with 1001 or dropping
them) and spares talking ones; ``wait_closed`` sees how a connection ended without sending."""

from __future__ import annotations

from collections.abc import Iterator

import gevent
import pytest

from locust_ws import WebSocketSession
from locust_ws.demo import start_demo_process, stop_demo_process

from ..support.demo import fetch_json

IDLE_TIMEOUT_S = 1.0


@pytest.fixture(scope="module", params=["close", "drop"])
def idle_server(request) -> Iterator[tuple[str, str]]:
    """(action, url) of a demo server ending connections idle for ``IDLE_TIMEOUT_S``."""
    process, url = start_demo_process(["--idle-timeout", str(IDLE_TIMEOUT_S), "--idle-action", request.param])
    yield request.param, url
    stop_demo_process(process)


def session_on(url: str, environment) -> WebSocketSession:
    return WebSocketSession(url, environment.events.request, ping_interval=0, backoff=None)


def test_a_silent_connection_is_ended_after_the_idle_timeout(idle_server, environment):
    action, url = idle_server
    session = session_on(url, environment)
    session.connect("/echo")
    try:
        assert not session.wait_closed(IDLE_TIMEOUT_S * 0.5)  # not yet
        assert session.wait_closed(IDLE_TIMEOUT_S * 3)
    finally:
        session.close()
    expected = (
        (1001, "idle timeout") if action == "close" else (1006, "connection closed without a close frame")
    )
    assert (session.close_code, session.close_reason) == expected
    assert fetch_json(url.replace("ws://", "http://") + "/stats")["idle_timeouts"] >= 1


def test_a_connection_that_keeps_talking_is_not_idle(idle_server, environment):
    _, url = idle_server
    session = session_on(url, environment)
    session.connect("/echo")
    try:
        for _ in range(6):  # 1.8 s in all, never 1 s silent
            gevent.sleep(IDLE_TIMEOUT_S * 0.3)
            assert session.request({"op": "still here"}).ok
        assert session.connected
    finally:
        session.close()


def test_wait_closed_on_a_session_that_never_opened_returns_at_once(environment):
    assert session_on(environment.host, environment).wait_closed(5)
