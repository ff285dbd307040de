"""SocketIOSession against the official socket.io 4 server (``servers/sio_server.js``): namespaces,
auth middleware refusals, rooms and acks, as the rows a Locust run would record."""

from __future__ import annotations

import contextlib

import gevent
import gevent.event
import pytest

from locust_ws import Backoff, NamespaceRefused, SocketIOSession

from ...support.third_party_servers import SOCKETIO_TOKEN


@pytest.fixture
def connect(sio_server, make_session):
    """Opens a SocketIOSession on the socket.io server: ``connect(namespaces=..., **options)``."""

    def open_session(*, namespaces=("/",), auth=None, **options) -> SocketIOSession:
        session = make_session(sio_server, SocketIOSession, **options)
        session.connect(namespaces=namespaces, auth=auth)
        return session

    return open_session


def test_namespaces_share_one_connection_and_answer_separately(connect, event_log):
    session = connect(namespaces=["/", "/chat"], auth={"token": SOCKETIO_TOKEN})
    assert sorted(session.namespaces) == ["/", "/chat"]
    assert session.call("where").data == "/"
    assert session.call("where", namespace="/chat").data == "/chat"
    for namespace in ("/", "/chat"):
        [row] = event_log.named(f"namespace {namespace}")
        assert row.exception is None
        assert 0 < row.response_time < 1000


def test_auth_refusal_reports_the_servers_message(sio_server, make_session, event_log):
    session = make_session(sio_server, SocketIOSession)
    with pytest.raises(NamespaceRefused) as refused:
        session.connect(namespaces=["/chat"], auth={"token": "stolen"})
    assert refused.value.server_message == "invalid token"
    failures = [(event.name, str(event.exception)) for event in event_log.failures()]
    assert failures == [
        ("namespace /chat", "namespace /chat refused: invalid token"),
        ("connect /socket.io/", "namespace /chat refused: invalid token"),  # the connection's attempt
    ]
    assert not session.connected


def test_room_broadcast_reaches_the_other_members_only(connect, event_log):
    sender, member, outsider = connect(), connect(), connect()
    sender.join("lobby")
    member.join("lobby")
    outsider.join("elsewhere")
    assert sender.rooms == member.rooms == {"/": {"lobby"}}
    arrived = gevent.event.Event()
    member.on("said", lambda message: arrived.set())
    heard_outside: list = []
    outsider.on("said", heard_outside.append)
    sender.emit("say", {"text": "hi"}, room="lobby", stamp=True)
    assert arrived.wait(timeout=5)
    # The server wrote to every member before the member read it: an outsider's copy would come
    # before the ack to a call made now, and its handler would be queued before the ack is read.
    assert outsider.call("echo", "barrier").data == "barrier"
    assert heard_outside == []
    [fanout] = event_log.named("fanout")
    assert fanout.exception is None
    assert 0 <= fanout.response_time < 1000


def test_call_returns_the_ack_and_times_the_round_trip(connect, event_log):
    session = connect()
    reply = session.call("echo", {"n": 1})
    assert reply.ok
    assert reply.data == {"n": 1}
    [row] = event_log.named("call echo")
    assert row.exception is None
    assert 0 < row.response_time < 1000


def test_ack_with_several_arguments_reads_as_a_tuple(connect):
    session = connect()
    assert session.call("echo", ("a", 2, {"b": None})).data == ("a", 2, {"b": None})


def test_refused_namespace_leaves_the_other_namespaces_connected(sio_server, make_session):
    session = make_session(sio_server, SocketIOSession)
    with contextlib.suppress(NamespaceRefused):
        session.connect(namespaces=["/", "/chat"], auth={"token": "stolen"})
    assert list(session.namespaces) == ["/"]
    assert session.call("where").data == "/"


def test_auth_refusal_is_not_retried(sio_server, make_session, event_log):
    session = make_session(sio_server, SocketIOSession, backoff=Backoff(base=0.02, cap=0.02, jitter=False))
    with pytest.raises(NamespaceRefused):
        session.connect(namespaces=["/chat"], auth={"token": "stolen"})
    gevent.sleep(0.3)  # some fifteen reconnect delays
    assert not session.reconnecting
    assert len(event_log.named("namespace /chat")) == 1
