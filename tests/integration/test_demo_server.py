"""The demo server, run as a real subprocess and driven with websocket-client and urllib."""

from __future__ import annotations

import json
import signal
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import locust  # noqa: F401 - gevent-patches ssl before socketio pulls in urllib3 (else RecursionError)
import pytest
import socketio
import websocket

from locust_ws.demo import start_demo_process, stop_demo_process

TIMEOUT = 3.0


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    proc, url = start_demo_process()
    yield url
    stop_demo_process(proc)


def http(url: str, path: str, body: dict | None = None, headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(
        url.replace("ws://", "http://") + path,
        data=None if body is None else json.dumps(body).encode(),
        method="GET" if body is None else "POST",
        headers=headers or {},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def login(url: str) -> str:
    status, body = http(url, "/login", {"username": "alice", "password": "x"})
    assert status == 200
    return json.loads(body)["token"]


def stats(url: str) -> dict:
    status, body = http(url, "/stats")
    assert status == 200
    return json.loads(body)


def connect(url: str, path: str, **kwargs) -> websocket.WebSocket:
    return websocket.create_connection(url + path, timeout=TIMEOUT, **kwargs)


def wait_for(predicate, timeout: float = TIMEOUT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_echo_text_and_binary(server: str) -> None:
    ws = connect(server, "/echo")
    ws.send("héllo")
    assert ws.recv_data() == (websocket.ABNF.OPCODE_TEXT, "héllo".encode())
    ws.send_binary(b"\x00\xff\x01")
    assert ws.recv_data() == (websocket.ABNF.OPCODE_BINARY, b"\x00\xff\x01")
    ws.close()


def test_echo_delay(server: str) -> None:
    ws = connect(server, "/echo?delay_ms=150")
    for i in range(2):
        started = time.monotonic()
        ws.send(f"m{i}")
        assert ws.recv() == f"m{i}"
        assert time.monotonic() - started >= 0.15
    ws.close()


def test_pipelined_delayed_replies_stay_in_order_and_are_not_serialised(server: str) -> None:
    ws = connect(server, "/echo?delay_ms=200")
    started = time.monotonic()
    for i in range(5):
        ws.send(str(i))
    assert [ws.recv() for _ in range(5)] == ["0", "1", "2", "3", "4"]
    elapsed = time.monotonic() - started
    assert 0.2 <= elapsed < 0.6  # each reply 200 ms after its own frame, not after the previous reply
    ws.close()


def test_login_requires_username(server: str) -> None:
    assert http(server, "/login", {"password": "x"})[0] == 400
    assert http(server, "/login", {"username": ""})[0] == 400


@pytest.mark.parametrize("path", ["/rooms/lobby", "/feed", "/rooms/lobby?token=nope"])
def test_auth_endpoints_refuse_without_valid_token(server: str, path: str) -> None:
    with pytest.raises(websocket.WebSocketBadStatusException) as excinfo:
        connect(server, path)
    assert excinfo.value.status_code == 401


def test_bad_bearer_header_is_refused(server: str) -> None:
    with pytest.raises(websocket.WebSocketBadStatusException) as excinfo:
        connect(server, "/feed", header=["Authorization: Bearer wrong"])
    assert excinfo.value.status_code == 401


def test_room_broadcast_with_token_in_query_and_header(server: str) -> None:
    token = login(server)
    alice = connect(server, f"/rooms/r1?token={token}")
    bob = connect(server, "/rooms/r1", header=[f"Authorization: Bearer {login(server)}"])
    assert wait_for(lambda: stats(server)["rooms"].get("r1") == 2)
    before = time.time() * 1000
    alice.send(json.dumps({"text": "hi"}))
    for ws in (alice, bob):  # the sender gets its own message too
        message = json.loads(ws.recv())
        assert message["text"] == "hi"
        assert before - 1 <= message["server_ts"] <= time.time() * 1000 + 1
    bob.send("not json")
    assert alice.recv() == "not json"
    assert bob.recv() == "not json"
    alice.close()
    bob.close()
    assert wait_for(lambda: "r1" not in stats(server)["rooms"])


def test_room_survives_a_dead_member(server: str) -> None:
    token = login(server)
    dead = connect(server, f"/rooms/r2?token={token}")
    alive = connect(server, f"/rooms/r2?token={token}")
    assert wait_for(lambda: stats(server)["rooms"].get("r2") == 2)
    dead.sock.close()  # no close frame
    for i in range(3):
        alive.send(f"still here {i}")
        assert alive.recv() == f"still here {i}"
    alive.close()


def test_feed_pushes_stamped_messages(server: str) -> None:
    ws = connect(server, f"/feed?rate=20&token={login(server)}")
    started = time.monotonic()
    ws.send(json.dumps({"op": "subscribe", "topic": "prices"}))
    assert json.loads(ws.recv()) == {"op": "subscribed", "topic": "prices"}
    pushes = [json.loads(ws.recv()) for _ in range(3)]
    assert time.monotonic() - started <= 2.0  # 3 pushes at 20/s: 150 ms unless the rate is ignored
    assert [p["seq"] for p in pushes] == [1, 2, 3]
    assert all(p["topic"] == "prices" and p["server_ts"] > 0 for p in pushes)
    ws.send(json.dumps({"op": "unsubscribe", "topic": "prices"}))
    for _ in range(5):  # pushes already on the wire may precede the reply
        if json.loads(ws.recv()).get("op") == "unsubscribed":
            break
    else:
        pytest.fail("no unsubscribed reply")
    ws.settimeout(0.3)
    with pytest.raises(websocket.WebSocketTimeoutException):
        ws.recv()  # nothing after the unsubscribed reply
    ws.close()


def test_close_code_is_sent_to_client(server: str) -> None:
    ws = connect(server, "/close?code=4001&reason=bye")
    opcode, data = ws.recv_data(control_frame=True)
    assert opcode == websocket.ABNF.OPCODE_CLOSE
    assert int.from_bytes(data[:2], "big") == 4001
    assert data[2:] == b"bye"
    ws.close()


def test_status_endpoint_refuses_handshake(server: str) -> None:
    for code in (503, 429):
        with pytest.raises(websocket.WebSocketBadStatusException) as excinfo:
            connect(server, f"/status/{code}")
        assert excinfo.value.status_code == code


def test_unknown_path_and_plain_get(server: str) -> None:
    with pytest.raises(websocket.WebSocketBadStatusException) as excinfo:
        connect(server, "/nope")
    assert excinfo.value.status_code == 404
    assert http(server, "/nope")[0] == 404
    assert http(server, "/echo")[0] in (400, 426)


def test_stats_count_what_was_sent(server: str) -> None:
    assert http(server, "/stats/reset", {})[0] == 200
    ws = connect(server, "/echo")
    ws.send("abc")
    ws.send("é")  # 2 bytes in UTF-8
    ws.send_binary(b"1234")
    for _ in range(3):
        ws.recv()
    ws.close(status=4000)
    with pytest.raises(websocket.WebSocketBadStatusException):
        connect(server, "/status/403")
    assert wait_for(lambda: stats(server)["close_codes_received"])
    s = stats(server)
    assert s["handshakes"] == 1
    assert s["handshakes_refused"] == 1
    assert (s["messages_in"], s["messages_out"]) == (3, 3)
    assert (s["bytes_in"], s["bytes_out"]) == (9, 9)
    assert s["close_codes_received"] == {"4000": 1}
    assert s["close_codes_sent"] == {"4000": 1}  # the server echoes the client's code
    assert len(s["handshake_times"]) == 1
    assert abs(s["handshake_times"][0] - time.time()) < 10


def test_admin_drop_closes_connections(server: str) -> None:
    sockets = [connect(server, "/echo") for _ in range(3)]
    assert wait_for(lambda: stats(server)["open_connections"] >= 3)
    status, body = http(server, "/admin/drop", {})
    assert status == 200
    assert json.loads(body)["dropped"] >= 3
    for ws in sockets:
        with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
            ws.recv()  # no close frame: the connection just ends
    assert wait_for(lambda: stats(server)["open_connections"] == 0)


def test_silent_endpoint_never_answers(server: str) -> None:
    ws = connect(server, "/silent?hold=5")
    ws.ping("anyone?")
    ws.settimeout(0.3)
    with pytest.raises(websocket.WebSocketTimeoutException):
        ws.recv_data(control_frame=True)
    ws.close(timeout=0.1)


def test_socketio_echo_is_acknowledged(server: str) -> None:
    with socketio.SimpleClient() as client:
        client.connect(server.replace("ws://", "http://"), transports=["websocket"], wait_timeout=TIMEOUT)
        assert client.call("echo", {"n": 1}, timeout=TIMEOUT) == {"n": 1}
    assert stats(server)["socketio"]["events_in"] >= 1


def test_sigterm_exits_cleanly() -> None:
    proc, url = start_demo_process()
    ws = connect(url, "/echo")
    proc.send_signal(signal.SIGTERM)
    started = time.monotonic()
    assert proc.wait(timeout=5) == 0
    assert time.monotonic() - started < 3
    ws.close()
    stop_demo_process(proc)
