"""One heartbeat scheduler for every connection: the timer heap alone, then real sessions sharing
it (one greenlet for all of them, pings still timed per connection)."""

from __future__ import annotations

import gevent

from locust_ws import WebSocketSession
from locust_ws.transport.heartbeats import TimerHeap, scheduler

from .test_user import live_greenlets


def test_due_timers_come_out_in_order_and_go_back_when_rescheduled():
    heap = TimerHeap()
    late = heap.add(lambda now: None, 5.0)
    early = heap.add(lambda now: None, 1.0)
    assert heap.next_due() == 1.0
    assert heap.pop_due(0.5) == []
    assert heap.pop_due(1.0) == [early]
    heap.reschedule(early, 7.0)
    assert heap.pop_due(6.0) == [late]
    heap.reschedule(late, None)  # that connection's heartbeat is over
    assert heap.active == 1
    assert heap.pop_due(7.0) == [early]


def test_moved_and_cancelled_timers_leave_only_stale_entries():
    heap = TimerHeap()
    moved = heap.add(lambda now: None, 10.0)
    cancelled = heap.add(lambda now: None, 2.0)
    heap.move(moved, 3.0)
    heap.cancel(cancelled)
    assert heap.pop_due(20.0) == [moved]  # once, at its new time; the cancelled one never
    heap.cancel(moved)
    assert heap.active == 0 and heap.next_due() is None  # nothing active: the heap empties


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
