"""The timer heap of the one heartbeat scheduler every connection shares, without sockets (real
sessions sharing it: tests/integration/test_heartbeats.py)."""

from __future__ import annotations

from locust_ws.transport.heartbeats import TimerHeap


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
