"""Nothing is lost when the run ends: Locust stops users mid-request (``-t`` kills them at once,
``--stop-timeout`` once it expires), and still every frame sent is counted once, every reply
received is a reply (never a stray ``recv``), the requests whose reply could no longer come are
counted as cut off (not failures), and connections still reconnecting are counted. Checked exactly
against the demo server's own counters, in real headless runs."""

from __future__ import annotations

import json
import subprocess
import sys

import gevent
import pytest
from locust.env import Environment

from locust_ws import SocketIOSession, WebSocketSession, attach_metrics

from ..support.demo import demo_of_its_own, server_stats
from ..support.events import EventLog
from ..support.locust_cluster import free_port
from ..support.paths import TEST_LOCUSTFILES

LOCUSTFILE = TEST_LOCUSTFILES / "end_of_run.py"
DOWN_USERS = 5


@pytest.fixture(scope="module")
def own_demo():
    with demo_of_its_own() as url:
        yield url


@pytest.mark.parametrize(
    ("echo_path", "requests_per_task", "stop_args"),
    [
        # -t kills every user at once, most with a request in flight, answered during the close.
        ("/echo", 1, []),
        # Tasks of 9 s outlive the timeout; the demo drops the delayed replies still due when a
        # close frame arrives, so those requests are cut off.
        ("/echo?delay_ms=300", 30, ["--stop-timeout", "1s"]),
    ],
    ids=["killed-at-once", "stop-timeout-expired"],
)
def test_every_frame_of_a_run_cut_short_is_counted_once(
    own_demo, tmp_path, echo_path, requests_per_task, stop_args
):
    server_stats(own_demo, reset=True)
    env = {
        "DEMO_URL": own_demo,
        "NOTHING_URL": f"ws://127.0.0.1:{free_port()}",
        "ECHO_PATH": echo_path,
        "REQUESTS_PER_TASK": str(requests_per_task),
        "PATH": "/usr/bin:/bin",
    }
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--only-summary"]
    command += ["-u", "105", "-r", "105", "-t", "3s", "--ws-json", str(tmp_path / "ws.json"), *stop_args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=90, env=env, check=False)
    assert "Traceback" not in result.stderr
    summary = json.loads((tmp_path / "ws.json").read_text())
    metrics, server = summary["metrics"], server_stats(own_demo)
    rows = {(row["kind"], row["name"]): row for row in summary["latency"]}

    connects = rows["connect", "connect /echo"]
    assert server["handshakes"] == 100 == connects["count"] - connects["failures"]
    assert metrics["messages_out"] == server["messages_in"] > 100
    assert metrics["messages_in"] == server["messages_out"]
    assert ("recv", "recv") not in rows  # every reply found its round trip
    assert rows["request", "echo"]["failures"] == 0
    assert rows["request", "echo"]["count"] == server["messages_out"]
    # The requests the server received and never answered, and no others, were cut off.
    cut_off = server["messages_in"] - server["messages_out"]
    assert metrics["requests_cut_off"] == cut_off
    if stop_args:
        assert cut_off > 0
        assert rows["cut_off", "echo"] == {**rows["cut_off", "echo"], "count": cut_off, "failures": 0}
    assert metrics["failures"] == rows["connect", "connect /echo"]["failures"]  # the down users'
    assert metrics["closed_while_reconnecting"] == DOWN_USERS
    assert rows["closed_reconnecting", "closed while reconnecting /echo"]["failures"] == 0


def wait_until(condition, timeout: float = 5.0) -> None:
    with gevent.Timeout(timeout):
        while not condition():
            gevent.sleep(0.02)


def kill_mid_request(call, *args, **kwargs) -> None:
    """Run ``call`` in a greenlet and kill it, as Locust stops a user, once its request is out."""
    caller = gevent.spawn(call, *args, **kwargs)
    gevent.sleep(0.05)
    assert not caller.dead, "the reply came before the caller was stopped"
    caller.kill()


def test_a_reply_to_a_request_whose_caller_was_stopped_is_still_its_round_trip(own_demo):
    server_stats(own_demo, reset=True)
    environment = Environment(host=own_demo)
    log, metrics = EventLog(environment), attach_metrics(environment)
    session = WebSocketSession(own_demo, environment.events.request, ping_interval=0)
    session.connect("/echo?delay_ms=200")
    kill_mid_request(session.request, {"op": "echo"}, name="echo", timeout=5)
    wait_until(lambda: log.named("echo"))
    session.close()

    assert [event.name for event in log.events] == ["connect /echo", "echo", "close /echo"]
    (round_trip,) = log.named("echo")
    assert round_trip.exception is None and round_trip.response_time >= 180  # send -> reply
    server = server_stats(own_demo)
    assert metrics.messages_out == session.messages_out == server["messages_in"] == 1
    assert metrics.messages_in == session.messages_in == server["messages_out"] == 1
    assert metrics.requests_cut_off == 0


def test_a_request_whose_reply_cannot_come_any_more_is_counted_as_cut_off_not_failed(own_demo):
    environment = Environment(host=own_demo)
    log, metrics = EventLog(environment), attach_metrics(environment)
    session = WebSocketSession(own_demo, environment.events.request, ping_interval=0)
    session.connect("/close?after_ms=300")  # reads nothing, closes normally after 300 ms
    kill_mid_request(session.request, {"op": "echo"}, name="echo", timeout=5)
    wait_until(lambda: log.named("close /close"))

    (cut_off,) = log.named("echo")
    assert cut_off.exception is None and cut_off.response_time is None
    assert metrics.select("cut_off").count == metrics.requests_cut_off == 1
    assert metrics.messages_out == session.messages_out == 1
    assert metrics.failures == 0


def test_a_socketio_ack_after_its_caller_was_stopped_is_still_its_call(own_demo):

    environment = Environment(host=own_demo)
    log, metrics = EventLog(environment), attach_metrics(environment)
    session = SocketIOSession(own_demo, environment.events.request)
    session.connect()
    kill_mid_request(session.call, "slow_echo", {"delay_ms": 200, "data": 1}, timeout=5)
    wait_until(lambda: log.named("call slow_echo"))
    session.close()

    (call,) = log.named("call slow_echo")
    assert call.exception is None and call.response_time >= 180
    assert not [event for event in log.events if event.name.startswith("recv")]
    assert metrics.messages_out == metrics.messages_in == 1  # the call and its ack
    assert metrics.requests_cut_off == 0
