"""WebSocketSession and WebSocketUser against third-party servers (Node's ``ws`` and Python's
``websockets``): every test runs once per server, and checks the rows a Locust run would record."""

from __future__ import annotations

import gevent.event
import pytest
from locust import constant, task
from locust.env import Environment

from locust_ws import HandshakeRejected, WebSocketUser

from ...support.events import EventLog
from ...support.waiting import wait_until

ROUND_TRIPS = 20


def test_request_reply_round_trips_succeed_with_sane_timings(ws_server, make_session, event_log):
    session = make_session(ws_server.url)
    session.connect("/echo")
    replies = [session.request({"n": n}, name="echo") for n in range(ROUND_TRIPS)]
    assert [reply.data["n"] for reply in replies] == list(range(ROUND_TRIPS))
    rows = event_log.named("echo")
    assert [row.exception for row in rows] == [None] * ROUND_TRIPS
    assert all(0 < row.response_time < 1000 for row in rows)
    assert all(row.response_length > 0 for row in rows)


def test_broadcast_from_one_client_is_a_fanout_row_on_another(ws_server, make_session, event_log):
    receiver, sender = make_session(ws_server.url), make_session(ws_server.url)
    arrived = gevent.event.Event()

    @receiver.on_message
    def hi(message):  # handlers run after the fan-out row of their message is reported
        if isinstance(message, dict) and message.get("text") == "hi":
            arrived.set()

    receiver.connect("/broadcast")
    receiver.request({"text": "ready"})  # its own copy coming back: the server has it in the audience
    sender.connect("/broadcast")
    sender.request({"text": "hi"}, stamp=True)  # the sender's own copy is its reply, not fan-out
    assert arrived.wait(timeout=5)
    [fanout] = event_log.named("fanout")
    assert fanout.exception is None
    assert 0 <= fanout.response_time < 1000


def test_server_close_with_code_4001_is_a_failure_with_that_code(ws_server, make_session, close_rows):
    session = make_session(ws_server.url)
    session.connect("/close/4001")
    session.send("close, please")
    wait_until(lambda: close_rows)
    [row] = close_rows
    assert (row.name, row.close_code) == ("close /close/4001", 4001)
    assert str(row.exception) == "closed by server with code 4001: bye"
    assert session.close_code == 4001


def test_server_close_with_code_1000_is_not_a_failure(ws_server, make_session, close_rows):
    session = make_session(ws_server.url)
    session.connect("/close/1000")
    session.send("close, please")
    wait_until(lambda: close_rows)
    [row] = close_rows
    assert (row.name, row.close_code, row.exception) == ("close /close/1000", 1000, None)


def test_server_close_without_status_code_is_not_a_failure(ws_server, make_session, close_rows):
    session = make_session(ws_server.url)
    session.connect("/close-empty")
    session.send("close, please")
    wait_until(lambda: close_rows)
    [row] = close_rows
    assert (row.name, row.close_code) == ("close /close-empty", 1005)
    assert row.exception is None


def test_server_dropping_the_connection_is_a_1006_failure(ws_server, make_session, close_rows):
    session = make_session(ws_server.url)
    session.connect("/drop")
    session.send("drop me")
    wait_until(lambda: close_rows)
    [row] = close_rows
    assert (row.name, row.close_code) == ("close /drop", 1006)
    assert str(row.exception).startswith("connection lost (1006): ")


def test_refused_handshake_is_one_failure_naming_http_401(ws_server, make_session, event_log):
    session = make_session(ws_server.url)
    with pytest.raises(HandshakeRejected) as refused:
        session.connect("/reject")
    assert refused.value.status_code == 401
    failures = [(event.name, str(event.exception)) for event in event_log.failures()]
    assert failures == [("connect /reject", "handshake refused: HTTP 401 Unauthorized")]
    assert not session.connected


def test_base_url_path_and_query_reach_the_server_as_given(ws_server, make_session, event_log):
    session = make_session(f"{ws_server.bound_url}?room=lobby")
    session.connect()
    reply = session.request({"op": "where"})
    assert reply.data["url"] == f"{ws_server.bound_path}?room=lobby"
    assert [event.exception for event in event_log.named(f"connect {ws_server.bound_path}")] == [None]


def test_host_with_a_path_is_connected_to_as_given_by_a_default_user(ws_server):
    urls_seen: list[str] = []

    class WhereUser(WebSocketUser):
        wait_time = constant(0.05)
        ping_interval = 0
        reconnect = False

        @task
        def where(self):
            reply = self.client.request({"op": "where"}, name="where")
            if reply.ok:
                urls_seen.append(reply.data["url"])

    environment = Environment(user_classes=[WhereUser], host=f"{ws_server.bound_url}?room=lobby")
    log = EventLog(environment)
    runner = environment.create_local_runner()
    runner.start(1, spawn_rate=10)
    try:
        wait_until(lambda: log.named("where"))
    finally:
        runner.quit()
    connects = [
        (event.name, event.exception and str(event.exception))
        for event in log.events
        if event.name.startswith("connect ")
    ]
    assert connects == [(f"connect {ws_server.bound_path}", None)]
    assert urls_seen[:1] == [f"{ws_server.bound_path}?room=lobby"]
