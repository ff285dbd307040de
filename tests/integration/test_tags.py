"""Tags per feed on real sessions against the demo server: two tagged feeds split every row of
their events, a call's tags merge over the session's, bad tags cost no message, and a credential
never becomes a tag value."""

from __future__ import annotations

import pytest
from locust.env import Environment

from locust_ws import WebSocketSession, attach_metrics
from locust_ws.redaction import REDACTED

from ..support.events import EventLog
from ..support.waiting import wait_until

PUSHES = 20


def tags_of(**tags: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(tags.items()))


def test_two_tagged_feeds_split_their_rows_and_each_counts_its_own_messages(demo_url, login):
    environment = Environment(host=demo_url)
    metrics = attach_metrics(environment)
    sessions = {}
    for feed in ("orders", "prices"):
        session = WebSocketSession(demo_url, environment.events.request, ping_interval=0, tags={"feed": feed})
        session.connect("/feed", query={"rate": 200, "token": login()})
        assert session.request({"op": "subscribe", "topic": feed}, name="subscribe").ok
        sessions[feed] = session
    wait_until(lambda: all(session.messages_in > PUSHES for session in sessions.values()), timeout=20)
    for session in sessions.values():
        session.close()
    for feed, session in sessions.items():
        tags = tags_of(feed=feed)
        # every message but the subscribe reply is a stamped push of this session's feed
        assert metrics.select_tagged("push", tags).count == session.messages_in - 1
        assert metrics.select_tagged("push", tags).histogram.count == session.messages_in - 1
        for kind in ("connect", "request", "close"):
            assert metrics.select_tagged(kind, tags).count == 1, kind
    assert sum(metrics.select_tagged("push", tags_of(feed=feed)).count for feed in sessions) == (
        metrics.select("push").count
    )
    # Locust's own rows are not renamed by tags
    assert {name for _, _, name in metrics.rows} >= {"subscribe", "connect /feed", "server push"}


def test_a_calls_tags_merge_over_the_sessions_for_its_event_alone(demo_url, login):
    environment = Environment(host=demo_url)
    metrics = attach_metrics(environment)
    session = WebSocketSession(demo_url, environment.events.request, ping_interval=0, tags={"feed": "orders"})
    session.connect("/feed", query={"rate": 100, "token": login()})
    try:
        assert session.request({"op": "subscribe", "topic": "t"}, name="subscribe", tags={"op": "sub"}).ok
        assert session.wait_for(
            lambda message: message.get("seq") == 3, 10, name="third", tags={"op": "wait"}
        )
        session.send({"op": "noop"}, tags={"feed": "other"})
    finally:
        session.close()
    assert metrics.select_tagged("request", tags_of(feed="orders", op="sub")).count == 1
    assert metrics.select_tagged("wait", tags_of(feed="orders", op="wait")).count == 1
    assert metrics.select_tagged("send", tags_of(feed="other")).count == 1
    assert metrics.select_tagged("send", tags_of(feed="orders")) is None
    assert metrics.select_tagged("request", tags_of(feed="orders")).count == 1  # the selector is a subset
    assert session.tags == {"feed": "orders"}  # the session's own tags are untouched


def test_bad_tags_are_refused_before_anything_is_sent(demo_url):
    environment = Environment(host=demo_url)
    log = EventLog(environment)
    session = WebSocketSession(demo_url, environment.events.request, ping_interval=0)
    session.connect("/echo")
    try:
        with pytest.raises(ValueError, match="tag name"):
            session.send({"n": 1}, tags={"": "x"})
        with pytest.raises(ValueError, match="tag name"):
            session.request({"n": 1}, tags={"a:b": "x"})
        with pytest.raises(TypeError, match="mapping"):
            session.tags = ["feed", "orders"]
        assert session.messages_out == 0
        assert [event.name for event in log.events] == ["connect /echo"]
        assert session.request({"n": 2}, name="echo").ok  # the session is fine
    finally:
        session.close()


def test_a_credential_in_a_tag_is_redacted_on_every_event(demo_url, login):
    token = login("tagger")
    environment = Environment(host=demo_url)
    metrics = attach_metrics(environment)
    session = WebSocketSession(
        demo_url, environment.events.request, ping_interval=0, tags={"token": token, "who": f"user {token}"}
    )
    session.connect("/echo", query={"token": token})
    try:
        assert session.request({"n": 1}, name="echo").ok
    finally:
        session.close()
    rows = metrics.summary()["latency_by_tag"]
    assert rows and token not in repr(rows)
    assert all(row["tags"] == {"token": REDACTED, "who": f"user {REDACTED}"} for row in rows)
