"""After a reconnect a Socket.IO session joins again the rooms it had joined (the server forgot
them with the old connection), before its ``on_connect`` hooks run, unless ``rejoin_rooms`` is off;
``auth`` given as a callable is evaluated on every reconnect. Against the demo server."""

from __future__ import annotations

import contextlib

import pytest

from locust_ws import Backoff, SocketIOSession

from ...support.demo import JOIN_COOLDOWN, fetch_json
from ...support.waiting import wait_until

# Past the demo's join cooldown, so the rejoin is not refused as a second join too soon.
AFTER_COOLDOWN = Backoff(base=JOIN_COOLDOWN + 0.2, cap=JOIN_COOLDOWN + 0.2, jitter=False)


@pytest.fixture
def chat(environment, login):
    with contextlib.ExitStack() as cleanup:

        def connect(name: str, **options) -> SocketIOSession:
            session = SocketIOSession(
                environment.host, environment.events.request, backoff=AFTER_COOLDOWN, **options
            )
            cleanup.callback(session.close)
            session.connect(namespaces=["/chat"], auth=lambda: {"token": login(name)})
            assert session.join("lobby", namespace="/chat").ok
            return session

        yield connect


def test_rooms_are_rejoined_before_the_hooks_and_the_room_works_again(chat, event_log, demo_http):
    alice, bob = chat("alice"), chat("bob")
    rooms_seen_by_hook: list[dict] = []
    alice.on_connect(lambda: rooms_seen_by_hook.append({ns: set(r) for ns, r in alice.rooms.items()}))
    fetch_json(f"{demo_http}/admin/drop", "POST")
    wait_until(lambda: len(event_log.named("resubscribe /socket.io/")) == 2, timeout=10)
    assert [event.exception for event in event_log.named("resubscribe /socket.io/")] == [None, None]
    assert len(event_log.successes("call join")) == 4  # two joins, two rejoins
    assert rooms_seen_by_hook == [{"/chat": {"lobby"}}]
    assert alice.call("chat", {"text": "back"}, room="lobby", namespace="/chat").data == {
        "ok": True,
        "delivered": 2,
    }
    assert bob.rooms == {"/chat": {"lobby"}}


def test_rejoin_rooms_off_leaves_the_rooms_to_the_locustfile(chat, event_log, demo_http):
    alice = chat("alice")
    bob = chat("bob", rejoin_rooms=False)
    fetch_json(f"{demo_http}/admin/drop", "POST")
    wait_until(lambda: len(event_log.named("reconnect /socket.io/")) == 2, timeout=10)
    wait_until(lambda: event_log.named("resubscribe /socket.io/"), timeout=5)
    assert len(event_log.named("resubscribe /socket.io/")) == 1  # alice's: bob has nothing to restore
    assert bob.rooms == {}
    reply = alice.call("chat", {"text": "back"}, room="lobby", namespace="/chat")
    assert reply.data == {"ok": True, "delivered": 1}  # alice only
