"""One heartbeat scheduler for every connection: real sessions sharing it (one greenlet for all of
them, pings still timed per connection). The timer heap alone: tests/unit/test_heartbeats.py."""

from __future__ import annotations

import gevent

from locust_ws import WebSocketSession
from locust_ws.transport.heartbeats import scheduler

from .test_user import live_greenlets


def test_sessions_share_one_heartbeat_greenlet(environment):
    def open_sessions(ping_interval: float) -> list[WebSocketSession]:
        sessions = [
            WebSocketSession(environment.host, environment.events.request, ping_interval=ping_interval)
            for _ in range(20)
        ]
        for session in sessions:
            session.connect("/echo")
        return sessions

    plain = open_sessions(0)
    without = live_greenlets()
    beating = open_sessions(30.0)
    with_heartbeats = live_greenlets()
    try:
        assert with_heartbeats - without <= 20 + 1  # 20 readers, one scheduler for all
        assert scheduler.timers.active >= 20
    finally:
        for session in [*plain, *beating]:
            session.close()
    assert scheduler.timers.active == 0


def test_each_session_keeps_its_own_ping_interval(environment, event_log):
    fast = WebSocketSession(environment.host, environment.events.request, ping_interval=0.1)
    slow = WebSocketSession(environment.host, environment.events.request, ping_interval=30)
    fast.connect("/echo", name="connect fast")
    slow.connect("/echo", name="connect slow")
    try:
        with gevent.Timeout(3):
            while len(event_log.named("ping")) < 5:
                gevent.sleep(0.02)
        assert all(event.exception is None for event in event_log.named("ping"))
        assert fast.connected and slow.connected
    finally:
        fast.close()
        slow.close()
