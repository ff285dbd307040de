"""WebSocketSession against the real demo server on loopback: handshakes, round trips, fan-out,
server push, heartbeats and close codes, each as the request events a Locust run would record."""

from __future__ import annotations

import statistics
import time

import gevent
import pytest
from gevent.pool import Pool

from locust_ws import (
    Backoff,
    ConnectError,
    ConnectTimeout,
    HandshakeRejected,
    NotConnected,
    ReplyTimeout,
    WebSocketSession,
)

from ..support.demo import fetch_json


@pytest.fixture
def make_session(environment, request):
    sessions: list[WebSocketSession] = []

    def make(**options) -> WebSocketSession:
        options.setdefault("ping_interval", 0)
        session = WebSocketSession(environment.host, environment.events.request, **options)
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        session.close()


def test_handshake_is_timed_and_checked_for_101(make_session, event_log):
    session = make_session()
    session.connect("/echo")
    assert session.connected
    [event] = event_log.named("connect /echo")
    assert event.request_type == "WS"
    assert event.exception is None
    assert isinstance(event.response_time, float)
    assert 0 < event.response_time < 1000


@pytest.mark.parametrize("status", [401, 404, 503])
def test_refused_handshake_is_a_failure_naming_the_status(make_session, event_log, status):
    session = make_session()
    with pytest.raises(HandshakeRejected) as refused:
        session.connect(f"/status/{status}")
    assert refused.value.status_code == status
    [event] = event_log.named(f"connect /status/{status}")
    assert f"HTTP {status}" in str(event.exception)
    assert not session.connected


def test_wrong_token_is_refused_with_401(make_session, event_log):
    session = make_session()
    with pytest.raises(HandshakeRejected, match="HTTP 401"):
        session.connect("/rooms/lobby", query={"token": "wrong"})


def test_connection_refused_is_reported_clearly(environment, event_log):
    session = WebSocketSession("ws://127.0.0.1:1", environment.events.request, ping_interval=0)
    with pytest.raises(ConnectError, match="connection refused"):
        session.connect("/echo")
    [event] = event_log.failures("connect /echo")
    assert "connection refused" in str(event.exception)


def test_handshake_timeout_is_configurable(environment, event_log):
    listener = gevent.socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts at TCP level, never answers the HTTP upgrade
    host = f"ws://127.0.0.1:{listener.getsockname()[1]}"
    session = WebSocketSession(host, environment.events.request, ping_interval=0, connect_timeout=0.3)
    try:
        with pytest.raises(ConnectTimeout, match=r"handshake timed out after 0\.3 s"):
            session.connect("/echo")
    finally:
        listener.close()
    [event] = event_log.failures("connect /echo")
    assert 250 < event.response_time < 2000


def test_query_string_never_appears_in_request_names(make_session, event_log, login):
    session = make_session()
    token = login()
    session.connect("/rooms/secret-room", query={"token": token})
    session.close()
    assert event_log.events
    assert all(token not in event.name for event in event_log.events)


def test_request_reply_round_trip_is_a_float_in_milliseconds(make_session, event_log):
    session = make_session()
    session.connect("/echo")
    reply = session.request({"op": "echo", "n": 1}, name="echo")
    assert reply.ok
    assert reply.data["n"] == 1
    [event] = event_log.named("echo")
    assert event.exception is None
    assert isinstance(event.response_time, float)
    assert event.response_time == reply.response_time
    assert event.response_length == reply.response_length > 0


def test_round_trip_timing_is_honest_with_a_delayed_server(make_session, event_log):
    session = make_session()
    session.connect("/echo", query={"delay_ms": 50})
    for n in range(20):
        assert session.request({"n": n}, name="delayed").ok
    times = [event.response_time for event in event_log.named("delayed")]
    # Never under the delay; the margin is for a loaded machine's timers, well under what a
    # polling loop or a wait_time inside the clock would add.
    assert 50 <= statistics.median(times) <= 65


def test_fifty_concurrent_users_get_exactly_their_own_replies(environment, demo_http, event_log):
    fetch_json(f"{demo_http}/stats/reset", "POST")
    sessions = [
        WebSocketSession(environment.host, environment.events.request, ping_interval=0) for _ in range(50)
    ]
    mismatched: list[tuple[int, object]] = []

    def run(index: int, session: WebSocketSession) -> None:
        session.connect("/echo")
        for n in range(40):
            reply = session.request({"user": index, "n": n}, name="echo")
            if not reply.ok or reply.data["user"] != index or reply.data["n"] != n:
                mismatched.append((index, reply.data))

    pool = Pool()
    for index, session in enumerate(sessions):
        pool.spawn(run, index, session)
    pool.join(timeout=60, raise_error=True)
    server = fetch_json(f"{demo_http}/stats")
    for session in sessions:
        session.close()
    assert mismatched == []
    assert len(event_log.successes("echo")) == 50 * 40
    assert server["messages_in"] == sum(s.messages_out for s in sessions) == 2000
    assert server["messages_out"] == sum(s.messages_in for s in sessions) == 2000
    assert server["bytes_in"] == sum(s.bytes_out for s in sessions)


def test_missing_reply_is_a_timeout_failure_and_the_late_reply_is_counted(make_session, event_log):
    session = make_session()
    session.connect("/echo", query={"delay_ms": 300})
    reply = session.request({"op": "slow"}, name="slow", timeout=0.1)
    assert not reply.ok
    assert isinstance(reply.error, ReplyTimeout)
    [event] = event_log.failures("slow")
    assert str(event.exception) == "no reply within 0.1 s"
    with gevent.Timeout(3):
        while session.late_replies == 0:
            gevent.sleep(0.02)
    assert session.late_replies == 1
    assert len(event_log.named("late reply")) == 1
    assert session.connected


def block_the_process(seconds: float) -> None:
    """Hold the hub without yielding (time.sleep is gevent's under Locust), as a loaded machine
    does."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def test_a_reply_read_after_the_deadline_is_a_timeout_even_when_the_timer_had_not_fired(
    make_session, environment, event_log
):
    """A busy reader (here: a listener that holds the hub 0.3 s on the message before the reply)
    reads the reply after its deadline but before the timer could fire; the verdict must not depend
    on which of the two the hub runs first."""
    session = make_session()
    session.connect("/echo", query={"delay_ms": 20})

    def stall_on_recv(name, **_):
        if name == "recv":
            block_the_process(0.3)

    environment.events.request.add_listener(stall_on_recv)
    verdicts = []
    for _ in range(5):
        session.send({"op": "first"})  # its echo reaches the reader just before the reply
        reply = session.request({"op": "second"}, name="blocked", timeout=0.1)
        verdicts.append((reply.ok, round(reply.response_time)))
    environment.events.request.remove_listener(stall_on_recv)
    assert all(not ok and took > 100 for ok, took in verdicts), verdicts
    assert len(event_log.failures("blocked")) == 5
    assert all(isinstance(event.exception, ReplyTimeout) for event in event_log.failures("blocked"))
    with gevent.Timeout(3):
        while session.late_replies < 5:
            gevent.sleep(0.02)
    assert session.late_replies == len(event_log.named("late reply")) == 5
    assert session.connected


def test_catch_response_lets_the_locustfile_judge_the_reply(make_session, event_log):
    session = make_session()
    session.connect("/echo")
    with session.request({"value": 1}, name="judged", catch_response=True) as reply:
        if reply.data["value"] != 2:
            reply.failure("value should be 2")
    with session.request({"value": 2}, name="judged", catch_response=True) as reply:
        assert reply.data["value"] == 2
    events = event_log.named("judged")
    assert [str(e.exception) if e.exception else None for e in events] == ["value should be 2", None]


def test_non_json_payload_without_correlation_is_a_readable_failure(make_session, event_log):
    session = make_session()
    session.connect("/echo")
    reply = session.request("plain text", name="plain")
    assert not reply.ok
    [event] = event_log.failures("plain")
    assert "cannot correlate" in str(event.exception)


def test_correlation_by_callable(make_session):
    session = make_session(
        correlation=lambda message: message.split(":")[0] if isinstance(message, str) else None
    )
    session.connect("/echo")
    reply = session.request("42:hello", name="custom")
    assert reply.ok
    assert reply.data == "42:hello"


def test_send_counts_frames_timed_by_their_write(make_session, event_log):
    session = make_session()
    session.connect("/echo")
    assert session.send({"op": "note"}) == len(b'{"op":"note"}')
    session.send(b"\x00\x01\x02")
    message = session.wait_for(lambda m: m == b"\x00\x01\x02", timeout=2)
    assert message == b"\x00\x01\x02"
    sends = event_log.named("send")
    assert all(e.response_time == e.context["send_ms"] and 0 < e.response_time < 1000 for e in sends)
    assert not any("blocked_ms" in e.context for e in sends)  # loopback, an idle socket: no backpressure
    assert [e.response_length for e in sends] == [13, 3]
    assert len(event_log.named("recv")) == 2
    assert session.messages_in == 2 and session.bytes_in == 16


def test_fanout_latency_between_two_users(make_session, event_log, login):
    alice, bob = make_session(), make_session()
    alice.connect("/rooms/fanout-test", query={"token": login("alice")})
    bob.connect("/rooms/fanout-test", query={"token": login("bob")})
    for _ in range(5):
        alice.send({"text": "hi"}, stamp=True)
        bob.wait_for(lambda m: isinstance(m, dict) and m.get("text") == "hi", timeout=2)
    gevent.sleep(0.1)
    fanout = event_log.named("fanout")
    # Bob saw Alice's five messages; Alice's own copies are not fan-out, and each message is one row.
    assert len(fanout) == 5
    assert len(event_log.named("recv")) + len(event_log.named("server push")) == 5  # Alice's copies
    assert all(isinstance(e.response_time, float) and 0 <= e.response_time < 500 for e in fanout)


def test_server_push_latency_from_the_feed(make_session, event_log, login):
    session = make_session()
    session.connect("/feed", query={"token": login(), "rate": 50})
    session.send({"op": "subscribe", "topic": "prices"})
    with gevent.Timeout(3):
        while len(event_log.named("server push")) < 5:
            gevent.sleep(0.02)
    pushes = event_log.named("server push")
    assert all(e.exception is None and 0 <= e.response_time < 500 for e in pushes)


def test_heartbeat_reports_ping_round_trips(make_session, event_log):
    session = make_session(ping_interval=0.1)
    session.connect("/echo")
    with gevent.Timeout(3):
        while len(event_log.named("ping")) < 3:
            gevent.sleep(0.02)
    pings = event_log.named("ping")
    assert all(e.exception is None and isinstance(e.response_time, float) for e in pings)


def test_missing_pong_closes_the_connection_and_is_a_failure(make_session, event_log):
    session = make_session(ping_interval=0.1, pong_timeout=0.2)
    session.connect("/silent")
    with gevent.Timeout(3):
        while session.connected:
            gevent.sleep(0.02)
    [ping] = event_log.failures("ping")
    assert str(ping.exception) == "no pong within 0.2 s"
    [close] = event_log.failures("close /silent")
    assert "1006" in str(close.exception)
    assert session.close_code == 1006


def test_server_close_code_is_recorded_and_abnormal_codes_fail(make_session, event_log):
    session = make_session()
    session.connect("/close", query={"code": 4001, "reason": "kicked"})
    with gevent.Timeout(3):
        while session.connected:
            gevent.sleep(0.02)
    assert session.close_code == 4001
    [event] = event_log.named("close /close")
    assert str(event.exception) == "closed by server with code 4001: kicked"


def test_normal_server_close_is_a_success(make_session, event_log):
    session = make_session()
    session.connect("/close", query={"code": 1000})
    with gevent.Timeout(3):
        while session.connected:
            gevent.sleep(0.02)
    [event] = event_log.named("close /close")
    assert event.exception is None
    assert session.close_code == 1000


def test_client_close_sends_our_code_and_is_timed(make_session, event_log, demo_http):
    before = fetch_json(f"{demo_http}/stats")["close_codes_received"].get("4100", 0)
    session = make_session()
    session.connect("/echo")
    session.close(4100, "done")
    [event] = event_log.named("close /echo")
    assert event.exception is None and event.response_time < 1000
    assert not session.connected
    with gevent.Timeout(3):
        while fetch_json(f"{demo_http}/stats")["close_codes_received"].get("4100", 0) != before + 1:
            gevent.sleep(0.05)


def test_send_after_loss_without_reconnect_is_not_connected(make_session, event_log):
    session = make_session()  # a bare session does not reconnect
    session.connect("/close", query={"code": 1001})
    with gevent.Timeout(3):
        while session.connected:
            gevent.sleep(0.02)
    with pytest.raises(NotConnected):
        session.send("hello")
    [event] = event_log.failures("send")
    assert str(event.exception) == "not connected"


def test_send_after_close_reconnects_when_enabled(make_session, event_log):
    session = make_session(backoff=Backoff())
    session.connect("/echo")
    session.close()
    session.send("again")
    assert session.connected
    assert len(event_log.successes("connect /echo")) == 2


def test_handler_exception_is_a_failure_and_the_reader_survives(make_session, event_log):
    session = make_session()
    seen: list[object] = []

    @session.on_message
    def fragile(message):
        seen.append(message)
        if message == "boom":
            raise ValueError("cannot handle boom")

    session.connect("/echo")
    session.send("boom")
    session.send("fine")
    with gevent.Timeout(3):
        while len(seen) < 2:
            gevent.sleep(0.02)
    assert seen == ["boom", "fine"]
    [event] = event_log.failures("handler fragile")
    assert "ValueError: cannot handle boom" in str(event.exception)
    assert session.connected


def test_wait_for_timeout_is_reported_when_named(make_session, event_log):
    session = make_session()
    session.connect("/echo")
    assert session.wait_for(lambda m: False, timeout=0.1, name="never") is None
    [event] = event_log.failures("never")
    assert str(event.exception) == "no matching message within 0.1 s"


def test_lost_connection_is_reopened_in_the_background_and_timed(make_session, event_log, demo_http):
    session = make_session(backoff=Backoff(base=0.05, cap=0.2))
    session.connect("/echo")
    assert fetch_json(f"{demo_http}/admin/drop", "POST")["dropped"] >= 1
    with gevent.Timeout(5):
        while not event_log.named("reconnect /echo"):
            gevent.sleep(0.02)
    [lost] = event_log.failures("close /echo")
    assert "connection lost (1006)" in str(lost.exception)
    [reconnect] = event_log.named("reconnect /echo")
    assert reconnect.exception is None and 0 < reconnect.response_time < 2000
    assert session.connected
    assert session.request({"after": "reconnect"}).ok


def test_operations_while_reconnecting_fail_fast(environment, event_log):
    session = WebSocketSession(
        "ws://127.0.0.1:1", environment.events.request, ping_interval=0, backoff=Backoff(base=5, jitter=False)
    )
    with pytest.raises(ConnectError):
        session.connect("/echo")
    assert session.reconnecting
    with pytest.raises(NotConnected, match="reconnecting"):
        session.send("hello")
    session.close()
    assert not session.reconnecting


def test_reconnecting_gives_up_after_max_attempts(environment, event_log):
    backoff = Backoff(base=0.01, cap=0.02, max_attempts=3)
    session = WebSocketSession(
        "ws://127.0.0.1:1", environment.events.request, ping_interval=0, backoff=backoff
    )
    with pytest.raises(ConnectError):
        session.connect("/echo")
    with gevent.Timeout(3):
        while session.reconnecting:
            gevent.sleep(0.02)
    assert len(event_log.failures("connect /echo")) == 4  # the first try and three reconnect attempts
    [gave_up] = event_log.failures("reconnect /echo")
    assert str(gave_up.exception) == "gave up reconnecting after 3 attempts"
