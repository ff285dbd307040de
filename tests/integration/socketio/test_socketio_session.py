"""SocketIOSession against the real demo Socket.IO server on loopback: handshakes and auth,
namespaces, emits and acks, catch-all counting, rooms and rate limits, handlers off the receive
path, heartbeats, server disconnects, reconnects and the long-polling transport."""

from __future__ import annotations

import contextlib
import gc
import logging
import statistics

import gevent
import gevent.event
import pytest

from locust_ws import (
    AckTimeout,
    ActionRefused,
    Backoff,
    ConnectError,
    HandshakeRejected,
    NamespaceRefused,
    NotConnected,
    SocketIOSession,
    attach_metrics,
)

from ...support.demo import JOIN_COOLDOWN, PING_INTERVAL, PING_TIMEOUT, ROOM_CAPACITY, fetch_json
from ...support.waiting import wait_until
from ..test_user import live_greenlets


@pytest.fixture
def make_session(environment):
    """Builds sessions on the test server, each closed when the test ends."""
    with contextlib.ExitStack() as cleanup:

        def make(**options) -> SocketIOSession:
            session = SocketIOSession(environment.host, environment.events.request, **options)
            cleanup.callback(session.close)
            return session

        yield make


def chat_session(make_session, login, name: str, **options) -> SocketIOSession:
    session = make_session(**options)
    session.connect(namespaces=["/chat"], auth={"token": login(name)})
    return session


# -- connecting ---------------------------------------------------------------------------------


def test_each_namespace_connect_is_timed_on_one_websocket(make_session, event_log, login):
    session = make_session()
    token = login()
    session.connect(namespaces=["/", "/chat"], auth={"token": token})
    assert session.transport == "websocket"
    assert set(session.namespaces) == {"/", "/chat"}
    [connect] = event_log.named("connect /socket.io/")  # one connection, one connect sample
    assert connect.exception is None and connect.context["ws_kind"] == "connect"
    for namespace in ("/", "/chat"):
        [event] = event_log.named(f"namespace {namespace}")
        assert event.response_time <= connect.response_time
        assert event.request_type == "SIO"
        assert event.exception is None
        assert isinstance(event.response_time, float) and 0 < event.response_time < 2000
    assert all(token not in event.name for event in event_log.events)


def test_connections_count_as_connections_and_namespaces_as_namespaces(
    make_session, environment, login, demo_http
):
    metrics = attach_metrics(environment)
    token = login()
    fetch_json(f"{demo_http}/stats/reset", "POST")
    sessions = [make_session() for _ in range(10)]
    for session in sessions:
        session.connect(namespaces=["/", "/chat"], auth={"token": token})
    assert fetch_json(f"{demo_http}/stats")["socketio"]["connects"] == 20  # the server's count
    assert (metrics.handshakes, metrics.open_connections, metrics.namespaces_joined) == (10, 10, 20)
    assert metrics.select("connect").count == 10 and metrics.select("namespace").count == 20
    for session in sessions:
        session.close()
    assert (metrics.open_connections, metrics.peak_open_connections) == (0, 10)
    assert metrics.select("close").count == 10 and metrics.select("disconnect").count == 20


@pytest.mark.parametrize("where", ["headers", "query"])
def test_handshake_headers_and_query_reach_the_server(make_session, event_log, login, where):
    token = login()
    session = make_session()
    if where == "headers":
        session.connect(namespaces=["/chat"], headers={"Authorization": f"Bearer {token}"})
    else:
        session.connect(namespaces=["/chat"], query={"token": token})
    assert session.namespaces.keys() == {"/chat"}
    assert all(token not in event.name for event in event_log.events)


def test_bad_auth_is_a_failure_entry_with_the_servers_message(make_session, event_log):
    session = make_session()
    with pytest.raises(NamespaceRefused, match="invalid token"):
        session.connect(auth={"token": "wrong"})
    [event] = event_log.named("namespace /")
    assert str(event.exception) == "namespace / refused: invalid token"
    assert not session.connected


# Issue 13, defect 8: this used to fail the connect and drop "/" with the refused "/chat".
def test_a_refused_namespace_is_reported_once_and_the_others_stay_connected(make_session, event_log):
    session = make_session()
    session.connect(namespaces=["/", "/chat"])  # no token: /chat refuses, / does not care
    assert session.connected and list(session.namespaces) == ["/"]
    assert len(event_log.successes("namespace /")) == 1
    [refused] = event_log.named("namespace /chat")
    assert str(refused.exception).startswith("namespace /chat refused: missing token")
    assert event_log.named("disconnect /") == []  # "/" was never dropped
    assert session.call("echo", 1).data == 1
    with pytest.raises(NotConnected, match=r"^namespace /chat not connected \(refused: missing token"):
        session.emit("echo", 1, namespace="/chat")


def test_a_refused_namespace_is_not_asked_for_again_when_the_connection_is_reopened(
    make_session, event_log, demo_http
):
    session = make_session(backoff=Backoff(base=0.05, cap=0.1))
    session.connect(namespaces=["/", "/chat"])
    assert fetch_json(f"{demo_http}/admin/drop", "POST")["dropped"] >= 1
    wait_until(lambda: event_log.named("reconnect /socket.io/"))
    assert event_log.successes("reconnect /socket.io/")
    assert len(event_log.successes("namespace /")) == 2
    assert len(event_log.named("namespace /chat")) == 1  # the refusal of the first connect only
    assert list(session.namespaces) == ["/"]


def test_retry_refused_namespaces_asks_for_them_on_every_reconnect(make_session, event_log, demo_http):
    session = make_session(backoff=Backoff(base=0.05, cap=0.1), retry_refused_namespaces=True)
    session.connect(namespaces=["/", "/chat"])
    assert fetch_json(f"{demo_http}/admin/drop", "POST")["dropped"] >= 1
    wait_until(lambda: event_log.named("reconnect /socket.io/"))
    assert len(event_log.failures("namespace /chat")) == 2
    assert len(event_log.successes("namespace /")) == 2


def test_a_connection_whose_every_namespace_was_refused_stays_down_until_connect_is_called(
    make_session, event_log, login
):
    session = make_session(backoff=Backoff(base=0.02, cap=0.02, jitter=False))
    with pytest.raises(NamespaceRefused, match="invalid token"):
        session.connect(namespaces=["/", "/chat"], auth={"token": "wrong"})
    gevent.sleep(0.3)  # some fifteen reconnect delays
    assert not session.reconnecting and not session.connected
    assert len(event_log.named("namespace /")) == len(event_log.named("namespace /chat")) == 1
    # A call neither reopens it nor spins: it fails, paced, saying why.
    with pytest.raises(NotConnected, match=r"^not connected \(namespace / refused: invalid token\)$"):
        session.call("echo", 1)
    assert len(event_log.named("namespace /")) == 1
    session.connect(namespaces=["/", "/chat"], auth={"token": login()})  # the user asks again
    assert set(session.namespaces) == {"/", "/chat"}


def test_a_refusal_while_reconnecting_ends_the_reconnect_loop(make_session, event_log, login, demo_http):
    tokens = iter([login("expiring"), "expired"])
    session = make_session(backoff=Backoff(base=0.02, cap=0.02, jitter=False))
    session.connect(namespaces=["/chat"], auth=lambda: {"token": next(tokens, "expired")})
    assert fetch_json(f"{demo_http}/admin/drop", "POST")["dropped"] >= 1
    wait_until(lambda: event_log.named("reconnect /socket.io/"))
    [gave_up] = event_log.named("reconnect /socket.io/")
    assert str(gave_up.exception) == "gave up reconnecting: namespace /chat refused: invalid token"
    gevent.sleep(0.2)  # some ten reconnect delays
    assert not session.reconnecting
    assert [event.exception is None for event in event_log.named("namespace /chat")] == [True, False]


def test_retry_refused_namespaces_keeps_reconnecting_when_all_were_refused(make_session, event_log):
    session = make_session(backoff=Backoff(base=0.02, cap=0.02, jitter=False), retry_refused_namespaces=True)
    with pytest.raises(NamespaceRefused):
        session.connect(auth={"token": "wrong"})
    wait_until(lambda: len(event_log.failures("connect /socket.io/")) >= 3)
    assert session.reconnecting  # as for any failed connect: retried until the user's policy gives up


def test_refused_http_handshake_names_the_status(make_session, event_log):
    session = make_session()
    with pytest.raises(HandshakeRejected, match="HTTP 404"):
        session.connect(socketio_path="not-socket-io")
    [event] = event_log.failures("connect /not-socket-io/")
    assert "HTTP 404" in str(event.exception)


def test_nothing_listening_is_reported_clearly(environment, event_log):
    session = SocketIOSession("ws://127.0.0.1:1", environment.events.request)
    with pytest.raises(ConnectError, match="connection refused"):
        session.connect()
    assert "connection refused" in str(event_log.failures("connect /socket.io/")[0].exception)


def test_bad_arguments_are_clear_errors(make_session):
    session = make_session()
    with pytest.raises(ValueError, match="namespaces"):
        session.connect(namespaces=["chat"])
    with pytest.raises(ValueError, match="transports"):
        session.connect(transports=["carrier-pigeon"])
    with pytest.raises(ValueError, match="absolute"):
        session.connect("localhost:1234")


# -- emit and call ------------------------------------------------------------------------------


def test_emit_is_counted_with_the_encoded_packet_size_and_timed_by_its_write(make_session, event_log):
    session = make_session()
    session.connect()
    size = session.emit("echo", {"n": 1})
    assert size == len(b'42["echo",{"n":1}]')
    [event] = event_log.named("emit echo")
    assert event.response_time == event.context["send_ms"] and 0 < event.response_time < 1000
    assert event.response_length == size


def test_call_is_one_request_event_timed_to_the_ack(make_session, event_log):
    session = make_session()
    session.connect()
    reply = session.call("echo", {"a": 1})
    assert reply.ok and reply.data == {"a": 1}
    [event] = event_log.named("call echo")  # exactly one: contrib fires a second, 0 ms one
    assert event.exception is None
    assert isinstance(event.response_time, float) and event.response_time == reply.response_time
    assert event.response_length == len(b'431[{"a":1}]')  # the ack packet's bytes


def test_call_timing_is_honest_with_a_delayed_ack(make_session, event_log):
    session = make_session()
    session.connect()
    for n in range(15):
        assert session.call("slow_echo", {"delay_ms": 50, "data": n}).data == n
    times = [event.response_time for event in event_log.named("call slow_echo")]
    assert 50 <= statistics.median(times) <= 65  # never under the delay; margin for a loaded machine


def test_missing_ack_is_a_timeout_failure_and_the_late_ack_is_counted(make_session, event_log):
    session = make_session()
    session.connect()
    reply = session.call("slow_echo", {"delay_ms": 300, "data": 1}, timeout=0.1)
    assert isinstance(reply.error, AckTimeout)
    [event] = event_log.failures("call slow_echo")
    assert str(event.exception) == "no ack within 0.1 s"
    wait_until(lambda: session.late_replies == 1)
    assert len(event_log.named("late reply")) == 1
    assert session.call("echo", 2).data == 2


def test_binary_data_travels_as_attachments(make_session, event_log):
    session = make_session()
    session.connect()
    blob = bytes(range(256)) * 4
    reply = session.call("echo", {"blob": blob, "n": 1})
    assert reply.data == {"blob": blob, "n": 1}
    [event] = event_log.named("call echo")
    assert event.response_length > len(blob)  # the placeholder packet plus the attachment


def test_several_arguments_go_as_a_tuple(make_session):
    session = make_session()
    session.connect()
    assert session.call("echo", ("one", 2)).data == ("one", 2)  # the demo's echo acks all of them
    assert session.call("echo", ()).data == ()


def test_emit_to_a_namespace_that_is_not_connected_fails(make_session, event_log):
    session = make_session()
    session.connect()
    with pytest.raises(NotConnected, match="namespace /chat not connected"):
        session.emit("echo", 1, namespace="/chat")
    assert event_log.failures("emit echo")


# -- receiving ----------------------------------------------------------------------------------


def test_every_inbound_event_is_counted_exactly_as_the_server_sent_it(make_session, event_log, demo_http):
    session = make_session()
    session.connect()
    fetch_json(f"{demo_http}/stats/reset", "POST")
    assert session.call("push", {"count": 300}).data == {"ok": True, "sent": 300}
    wait_until(lambda: len(event_log.named("server push")) >= 300)
    gevent.sleep(0.1)
    ticks = event_log.named("server push")  # each tick carries server_ts: one push sample each
    assert len(ticks) == 300 == fetch_json(f"{demo_http}/stats")["socketio"]["events_out"]
    assert all(event.response_time is not None and event.response_length > 30 for event in ticks)
    assert event_log.named("recv tick") == []  # and no second row for the same message


def test_wait_for_returns_the_matching_event(make_session, event_log, login):
    session = chat_session(make_session, login, "waiter")
    session.emit("join", {"room": "wait-room"}, namespace="/chat")
    joined = session.wait_for(
        "joined", lambda data: data["room"] == "wait-room", timeout=2, namespace="/chat", name="joined"
    )
    assert joined == {"room": "wait-room", "members": 1}
    [wait] = event_log.named("joined")
    assert wait.exception is None and 0 <= wait.response_time < 2000
    assert session.wait_for("never", timeout=0.1, namespace="/chat", name="never") is None
    assert str(event_log.failures("never")[0].exception) == "no matching message within 0.1 s"


def test_handlers_get_event_arguments_and_catch_all_gets_the_name(make_session):
    session = make_session()
    ticks: list[int] = []
    everything: list[str] = []
    session.on("tick", lambda data: ticks.append(data["seq"]))
    session.on("*", lambda event, *args: everything.append(event))
    session.connect()
    session.call("push", {"count": 3})
    wait_until(lambda: len(ticks) == 3 and len(everything) == 3)
    assert ticks == [1, 2, 3] and everything == ["tick"] * 3


def test_handler_return_value_answers_a_server_call(make_session):
    session = make_session()

    @session.on("question")
    def answer(data):
        return {"answer": data["n"] * 2}

    session.connect()
    assert session.call("ask", {"event": "question", "data": {"n": 21}}).data == {"answer": 42}


def test_handler_exception_is_a_failure_and_later_events_still_run(make_session, event_log):
    session = make_session()
    seen: list[int] = []

    @session.on("tick")
    def fragile(data):
        seen.append(data["seq"])
        if data["seq"] == 1:
            raise ValueError("cannot handle tick 1")

    session.connect()
    session.call("push", {"count": 2})
    wait_until(lambda: seen == [1, 2])
    [event] = event_log.failures("handler fragile")
    assert "ValueError: cannot handle tick 1" in str(event.exception)


def test_a_sleeping_handler_delays_no_timing_and_no_heartbeat(make_session, event_log, caplog):
    session = make_session()
    handled: list[int] = []

    @session.on("tick")
    def slow(data):
        gevent.sleep(0.6)  # the very thing a handler must not do
        handled.append(data["seq"])

    session.connect()
    session.call("push", {"count": 5})  # five handlers in a row: 3 s of sleeping
    heartbeats_before = len(event_log.named("heartbeat"))
    round_trips = [session.call("echo", n).response_time for n in range(20)]
    gevent.sleep(PING_INTERVAL * 1.5)
    assert len(handled) < 5  # still sleeping through the handlers...
    # ...while acks, pushes and heartbeats were timed by the reader as if nothing slept: a
    # round trip stuck behind a handler would take at least its 600 ms sleep
    assert statistics.median(round_trips) < 50 and max(round_trips) < 300
    assert all(event.response_time < 300 for event in event_log.named("server push"))
    assert len(event_log.named("heartbeat")) >= heartbeats_before + 1
    assert event_log.failures() == []
    wait_until(lambda: handled == [1, 2, 3, 4, 5])
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len([w for w in warnings if w.startswith("message handler slow took")]) == 1  # once


# -- rooms --------------------------------------------------------------------------------------


def test_rooms_join_broadcast_with_fanout_and_leave(make_session, event_log, login):
    alice = chat_session(make_session, login, "alice")
    bob = chat_session(make_session, login, "bob")
    assert alice.join("lobby", namespace="/chat").ok and bob.join("lobby", namespace="/chat").ok
    assert alice.rooms == {"/chat": {"lobby"}}
    bob_waits = gevent.spawn(bob.wait_for, "chat", timeout=2, namespace="/chat")
    reply = alice.call("chat", {"text": "hi"}, room="lobby", stamp=True, namespace="/chat")
    assert reply.data == {"ok": True, "delivered": 2}
    message = bob_waits.get(timeout=3)
    assert message["text"] == "hi" and "server_ts" in message
    # bob's copy is fan-out; alice's own copy is not, but the server stamped it: a push
    wait_until(lambda: len(event_log.named("fanout")) == 1 and len(event_log.named("server push")) == 1)
    assert event_log.named("recv chat") == []
    assert bob.leave("lobby", namespace="/chat").ok and bob.rooms == {"/chat": set()}
    assert alice.call("chat", {"text": "again"}, room="lobby", namespace="/chat").data["delivered"] == 1


def test_join_cooldown_and_room_capacity_are_failures_and_counted(make_session, event_log, login, demo_http):
    fetch_json(f"{demo_http}/stats/reset", "POST")
    eager = chat_session(make_session, login, "eager")
    assert eager.join("busy-1", namespace="/chat").ok
    refused = eager.join("busy-2", namespace="/chat")
    assert isinstance(refused.error, ActionRefused)
    assert str(refused.error) == "join refused: rate_limited (cooldown)"
    assert refused.data["retry_after_ms"] <= JOIN_COOLDOWN * 1000
    gevent.sleep(JOIN_COOLDOWN)
    assert eager.join("busy-2", namespace="/chat").ok

    crowd = [chat_session(make_session, login, f"crowd{n}") for n in range(ROOM_CAPACITY + 1)]
    replies = [member.join("full-room", namespace="/chat") for member in crowd]
    assert [reply.ok for reply in replies] == [True] * ROOM_CAPACITY + [False]
    assert str(replies[-1].error) == "join refused: rate_limited (room_full)"

    wait_until(lambda: len(event_log.named("recv rate_limited")) == 2)
    stats = fetch_json(f"{demo_http}/stats")["socketio"]
    assert stats["rate_limited"] == 2
    assert stats["rate_limited_by_reason"] == {"cooldown": 1, "room_full": 1}
    assert stats["rooms"]["full-room"] == ROOM_CAPACITY


# -- disconnects, heartbeats, reconnects --------------------------------------------------------


def test_engineio_heartbeats_are_answered_and_reported(make_session, event_log):
    session = make_session()
    session.connect()
    wait_until(lambda: len(event_log.named("heartbeat")) >= 2)
    # The server's heartbeat is the Engine.IO client's; the session's own ping_interval is the
    # WebSocket ping of every connection, off for Socket.IO (it no longer holds pingInterval).
    assert session.eio.ping_interval == PING_INTERVAL and session.eio.ping_timeout == PING_TIMEOUT
    assert session.ping_interval == 0
    gaps = [event.response_time for event in event_log.named("heartbeat")]
    assert all(PING_INTERVAL * 1000 * 0.8 < gap < PING_INTERVAL * 1000 * 4 for gap in gaps)
    assert session.connected  # the server got its pongs, or it would have closed the session


def test_server_disconnect_is_reported_and_the_next_emit_reconnects(make_session, event_log):
    session = make_session(backoff=Backoff(base=0.05, cap=0.1))
    session.connect()
    session.emit("kick")
    wait_until(lambda: not session.connected)
    [event] = event_log.named("disconnect /")
    assert event.exception is None  # the server chose to: not a failure, and not reconnected
    assert not session.reconnecting
    assert session.call("echo", "back").data == "back"
    assert len(event_log.successes("namespace /")) == 2


def test_dropped_connection_is_reconnected_with_its_namespaces_and_reported(
    make_session, event_log, login, demo_http
):
    tokens: list[str] = []

    def fresh_auth() -> dict:
        tokens.append(login("dropped"))
        return {"token": tokens[-1]}

    session = make_session(backoff=Backoff(base=0.05, cap=0.2))
    session.connect(namespaces=["/", "/chat"], auth=fresh_auth)
    assert fetch_json(f"{demo_http}/admin/drop", "POST")["dropped"] >= 1
    wait_until(lambda: event_log.named("reconnect /socket.io/"))
    [lost] = event_log.failures("close /socket.io/")  # one connection lost: one failure
    assert "connection lost (1006)" in str(lost.exception)
    for namespace in ("/", "/chat"):
        assert len(event_log.successes(f"disconnect {namespace}")) == 1
        assert len(event_log.successes(f"namespace {namespace}")) == 2
    [reconnect] = event_log.named("reconnect /socket.io/")
    assert reconnect.exception is None and 0 < reconnect.response_time < 2000
    assert len(tokens) == 2  # auth was asked again for the new connection
    assert session.call("echo", 1, namespace="/chat").data == 1


def test_a_call_during_the_socketio_handshake_is_not_connected_yet(make_session, event_log, demo_http):
    """Between the WebSocket handshake and the namespaces' answers the socket is open but no
    namespace is: a call there is "not connected" with the reason, on a first connect as on a
    reconnect, and never a "namespace / not connected" that blames the namespace."""
    in_handshake, release = gevent.event.Event(), gevent.event.Event()

    def slow_auth() -> dict:
        in_handshake.set()
        release.wait(5)
        return {}

    session = make_session(backoff=Backoff(base=0.05, cap=0.2))
    connecting = gevent.spawn(session.connect, auth=slow_auth)
    in_handshake.wait(5)
    with pytest.raises(NotConnected, match=r"^not connected \(handshake under way\)$"):
        session.call("echo", 1)
    release.set()
    connecting.get(timeout=5)
    in_handshake.clear()
    release.clear()
    assert fetch_json(f"{demo_http}/admin/drop", "POST")["dropped"] >= 1
    in_handshake.wait(5)
    with pytest.raises(NotConnected, match=r"^not connected \(reconnecting\)$"):
        session.call("echo", 2)
    release.set()
    wait_until(lambda: event_log.named("reconnect /socket.io/"))
    assert session.call("echo", 3).data == 3
    assert [str(e.exception) for e in event_log.failures("call echo")] == [
        "not connected (handshake under way)",
        "not connected (reconnecting)",
    ]


def test_missed_heartbeat_is_reported_and_the_connection_reopened(make_session, event_log):
    session = make_session(backoff=Backoff(base=0.05, cap=0.2), connect_timeout=5)
    session.connect()
    limit = PING_INTERVAL + PING_TIMEOUT
    session.emit("freeze", {"seconds": limit + PING_INTERVAL})  # no pings, no answers, nothing
    wait_until(lambda: event_log.named("reconnect /socket.io/"), timeout=8)
    [missed] = event_log.failures("heartbeat")
    assert str(missed.exception) == f"no Engine.IO ping within {limit:g} s (pingInterval + pingTimeout)"
    [lost] = event_log.failures("close /socket.io/")
    assert "missed heartbeat" in str(lost.exception)
    assert session.call("echo", "alive").data == "alive"


def test_close_leaves_no_greenlets_behind(make_session, environment):
    gc.collect()
    greenlets_before = live_greenlets()
    for _ in range(3):
        session = SocketIOSession(environment.host, environment.events.request)
        session.on("tick", lambda data: gevent.sleep(0.05))
        session.connect()
        session.call("push", {"count": 3})
        session.close()
    gevent.sleep(0.1)
    gc.collect()
    assert live_greenlets() <= greenlets_before


# -- long-polling -------------------------------------------------------------------------------


def test_polling_transport_calls_receives_and_counts(make_session, event_log, demo_http):
    session = make_session()
    session.connect(transports=["polling"])
    assert session.transport == "polling"
    assert session.call("echo", {"a": 1}).data == {"a": 1}
    assert session.call("echo", b"\x00\xffbinary").data == b"\x00\xffbinary"
    fetch_json(f"{demo_http}/stats/reset", "POST")
    session.call("push", {"count": 40})  # more packets in one poll than engineio's Payload allows
    wait_until(lambda: len(event_log.named("server push")) == 40)
    assert fetch_json(f"{demo_http}/stats")["socketio"]["events_out"] == 40
    wait_until(lambda: len(event_log.named("heartbeat")) >= 1)
    session.close()
    [closed] = event_log.named("disconnect /")
    assert closed.exception is None and closed.response_time < 1000


def test_polling_transport_reconnects_after_a_drop(make_session, event_log, demo_http):
    session = make_session(backoff=Backoff(base=0.05, cap=0.2))
    session.connect(transports=["polling"])
    fetch_json(f"{demo_http}/admin/drop", "POST")
    wait_until(lambda: event_log.named("reconnect /socket.io/"))
    assert event_log.failures("close /socket.io/")
    assert session.call("echo", 1).data == 1
