"""Reconnects replay what the client had: ``on_connect`` hooks run after the first connect and
after every reconnect (in the reconnect greenlet, never the reader), connect arguments given as
callables are evaluated again, and ``resubscribe <label>`` times a reconnect from the loss to the
end of the hooks. Against the demo server, whose ``POST /admin/drop`` cuts every connection."""

from __future__ import annotations

import functools

import gevent
import pytest

from locust_ws import Backoff, ResubscribeError

from ..support.demo import fetch_json
from .test_session import make_session  # noqa: F401 - the fixture

FAST_RECONNECT = Backoff(base=0.05, cap=0.2)


@pytest.fixture
def reconnecting(make_session):  # noqa: F811 - the imported fixture
    """Sessions of ``test_session``'s ``make_session`` (no heartbeat, closed at the end) that
    reconnect within a few tenths of a second."""
    return functools.partial(make_session, backoff=FAST_RECONNECT)


def drop_all(demo_http: str) -> None:
    assert fetch_json(f"{demo_http}/admin/drop", "POST")["dropped"] >= 1


def wait_for_row(event_log, name: str, timeout: float = 10.0):
    with gevent.Timeout(timeout, AssertionError(f"no {name!r} row within {timeout:g} s")):
        while not event_log.named(name):
            gevent.sleep(0.02)
    return event_log.named(name)[-1]


def test_on_connect_resubscribes_after_a_drop_and_pushes_resume(reconnecting, event_log, login, demo_http):
    session = reconnecting()

    @session.on_connect
    def subscribe():
        reply = session.request({"op": "subscribe", "topic": "prices"}, name="subscribe")
        assert reply.data == {"op": "subscribed", "topic": "prices", "id": reply.data["id"]}

    session.connect("/feed", query={"token": login(), "rate": 20})
    assert session.wait_for(lambda message: message.get("topic") == "prices", timeout=3)
    drop_all(demo_http)
    resubscribed = wait_for_row(event_log, "resubscribe /feed")
    assert resubscribed.exception is None
    [reconnected] = event_log.named("reconnect /feed")
    # From the loss to the end of the hook: the reconnect and then the subscribe round trip.
    assert resubscribed.response_time >= reconnected.response_time > 0
    assert [event.exception for event in event_log.named("subscribe")] == [None, None]
    assert session.wait_for(lambda message: message.get("topic") == "prices", timeout=3)


def test_no_on_connect_hook_means_no_resubscribe_row(reconnecting, event_log, demo_http):
    session = reconnecting()
    session.connect("/echo")
    drop_all(demo_http)
    wait_for_row(event_log, "reconnect /echo")
    gevent.sleep(0.2)
    assert event_log.named("resubscribe /echo") == []


def test_a_call_made_during_the_reconnect_runs_after_the_hooks(reconnecting, event_log, demo_http):
    session = reconnecting()
    order: list[str] = []

    @session.on_connect
    def slow_login():
        gevent.sleep(0.3 if order else 0)  # the reconnect's hook takes a while
        session.request({"op": "login"}, name="login")
        order.append("hook")

    session.connect("/echo")
    drop_all(demo_http)
    wait_for_row(event_log, "reconnect /echo")
    reply = session.request({"op": "after"}, name="after", timeout=3)
    order.append("task")
    assert reply.ok
    assert order == ["hook", "hook", "task"]


def test_callable_headers_and_query_are_called_on_every_reconnect(reconnecting, event_log, login, demo_http):
    tokens: list[str] = []

    def fresh_query():
        tokens.append(login())
        return {"token": tokens[-1]}

    session = reconnecting()
    session.connect("/feed", query=fresh_query, headers=lambda: {"X-Attempt": str(len(tokens))})
    drop_all(demo_http)
    wait_for_row(event_log, "reconnect /feed")
    assert len(tokens) == 2 and tokens[0] != tokens[1]
    assert session.request({"op": "subscribe", "topic": "t"}).ok  # the fresh token was accepted
    assert all(token not in event.name for event in event_log.events for token in tokens)


def test_a_failing_hook_makes_the_resubscription_a_failure(reconnecting, event_log, demo_http):
    session = reconnecting()
    calls: list[int] = []

    @session.on_connect
    def refuse_the_second_time():
        calls.append(1)
        if len(calls) > 1:
            raise ValueError("channel gone")

    session.connect("/echo")
    drop_all(demo_http)
    failed = wait_for_row(event_log, "resubscribe /echo")
    assert isinstance(failed.exception, ResubscribeError)
    assert "refuse_the_second_time" in str(failed.exception) and "channel gone" in str(failed.exception)
    assert session.connected  # the connection itself is back


def test_a_hook_failing_on_the_first_connect_is_raised_and_reported(reconnecting, event_log):
    session = reconnecting()

    @session.on_connect
    def broken():
        raise ZeroDivisionError("no quota")

    with pytest.raises(ResubscribeError, match="ZeroDivisionError"):
        session.connect("/echo")
    assert isinstance(event_log.named("on_connect /echo")[0].exception, ResubscribeError)
