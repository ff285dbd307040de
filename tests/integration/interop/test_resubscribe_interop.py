"""Reconnects replay what the client had, against third-party servers that crash and come back on
the same port: Node's ``ws`` (an ``on_connect`` hook's round trip on the new connection, with a
callable query evaluated again) and the official ``socket.io`` (rooms rejoined, so the room's
traffic reaches us again)."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator

import gevent
import pytest

from locust_ws import Backoff, SocketIOSession

from ...support.third_party_servers import SOCKETIO_TOKEN, node_command, running
from ...support.waiting import wait_until

RECONNECT = Backoff(base=0.1, cap=0.3)


@pytest.fixture
def crashable() -> Iterator[Callable[[list[str]], dict]]:
    """``start(command)`` runs a server (its ports printed as JSON); ``start.crash()`` kills it and
    ``start.restart(arguments)`` runs it again with ``arguments`` (the same ports)."""
    with contextlib.ExitStack() as servers:
        current: list[contextlib.ExitStack] = []

        def start(command: list[str]) -> dict:
            stack = contextlib.ExitStack()
            ports = stack.enter_context(running(command))
            current.append(stack)
            servers.callback(stack.close)
            return ports

        def crash() -> None:
            current.pop().close()

        start.crash = crash  # type: ignore[attr-defined]
        yield start


def test_node_ws_hook_round_trips_on_the_new_connection_with_fresh_query(crashable, make_session, event_log):
    command = node_command("ws_server.js")
    ports = crashable(command)
    tokens = itertools.count(1)
    session = make_session(f"ws://127.0.0.1:{ports['bound_port']}", ping_interval=0, backoff=RECONNECT)
    hello_urls: list[str] = []

    @session.on_connect
    def hello():
        hello_urls.append(session.request({"op": "hello"}, name="hello").data["url"])

    session.connect(ports["bound_path"], query=lambda: {"token": next(tokens)})
    crashable.crash()
    wait_until(lambda: not session.connected)
    crashable([*command, "--port", str(ports["port"]), "--bound-port", str(ports["bound_port"])])
    wait_until(lambda: event_log.named(f"resubscribe {ports['bound_path']}"), timeout=10)
    [resubscribed] = event_log.named(f"resubscribe {ports['bound_path']}")
    assert resubscribed.exception is None and resubscribed.response_time > 0
    # The query callable ran for each attempt (failed ones included, while the server was down);
    # the hook's reply proves the new server saw the fresh value.
    assert len(hello_urls) == 2
    assert hello_urls[0].endswith("?token=1")
    assert int(hello_urls[1].rpartition("token=")[2]) > 1


def test_socketio_rooms_are_rejoined_after_the_server_comes_back(crashable, environment, event_log):
    command = node_command("sio_server.js")
    ports = crashable([*command, "--token", SOCKETIO_TOKEN])
    url = f"http://127.0.0.1:{ports['port']}"
    sessions = []
    for _ in range(2):
        session = SocketIOSession(url, environment.events.request, backoff=RECONNECT)
        session.connect(namespaces=["/chat"], auth=lambda: {"token": SOCKETIO_TOKEN})
        assert session.join("general", namespace="/chat").ok
        sessions.append(session)
    alice, bob = sessions
    try:
        crashable.crash()
        wait_until(lambda: not alice.connected and not bob.connected)
        crashable([*command, "--token", SOCKETIO_TOKEN, "--port", str(ports["port"])])
        wait_until(lambda: len(event_log.named("resubscribe /socket.io/")) == 2, timeout=10)
        assert [row.exception for row in event_log.named("resubscribe /socket.io/")] == [None, None]
        heard = gevent.spawn(bob.wait_for, "said", timeout=3, namespace="/chat")
        alice.emit("say", {"room": "general", "text": "still here?"}, namespace="/chat")
        assert heard.get(timeout=5) == {"room": "general", "text": "still here?"}
    finally:
        for session in sessions:
            session.close()
