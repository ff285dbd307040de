"""Tags per feed on a real Socket.IO session: the session's tags on every event, emit, call and
wait_for taking their own over them."""

from __future__ import annotations

from locust_ws import SocketIOSession, attach_metrics


def test_socketio_events_carry_the_session_tags_and_each_calls_own(environment):
    metrics = attach_metrics(environment)
    session = SocketIOSession(environment.host, environment.events.request, tags={"feed": "ticks"})
    session.connect()
    try:
        assert session.call("echo", "hi", tags={"op": "echo"}).ok
        session.emit("push", {"count": 3}, tags={"op": "push"})
        assert session.wait_for("tick", lambda data: data["seq"] == 3, 10, name="ticks", tags={"op": "wait"})
    finally:
        session.close()
    feed = ("feed", "ticks")
    assert metrics.select_tagged("request", (feed, ("op", "echo"))).count == 1
    assert metrics.select_tagged("send", (feed, ("op", "push"))).count == 1
    assert metrics.select_tagged("wait", (feed, ("op", "wait"))).count == 1
    assert metrics.select_tagged("push", (feed,)).count == 3  # received messages: the session's tags
    assert metrics.select_tagged("connect", (feed,)).count == 1
