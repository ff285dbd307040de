"""Metrics against a real demo server on loopback: precise latencies, the open-connections gauge
and close codes agree with what the server saw."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import gevent
import pytest
from locust import constant, task
from locust.env import Environment

from locust_ws import SocketIOSession, WebSocketSession, WebSocketUser, attach_metrics
from locust_ws.demo import start_demo_process, stop_demo_process

from ..support.demo import fetch_json


@pytest.fixture(scope="module")
def own_demo() -> str:
    """A demo server only this module talks to, so its counters are ours alone."""
    process, url = start_demo_process()
    yield url
    stop_demo_process(process)


def server_stats(url: str) -> dict:
    return fetch_json(url.replace("ws://", "http://") + "/stats")


def reset_server(url: str) -> None:
    fetch_json(url.replace("ws://", "http://") + "/stats/reset", "POST")


def wait_until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        gevent.sleep(0.05)


def echo_round_trips(url: str, path: str, count: int, times: list[float] | None = None) -> Environment:
    """``count`` request/reply round trips; each reply's float milliseconds go into ``times``."""
    environment = Environment(host=url)
    attach_metrics(environment)
    session = WebSocketSession(url, environment.events.request, ping_interval=0)
    session.connect(path)
    try:
        for number in range(count):
            reply = session.request({"n": number}, name="echo")
            assert reply.ok
            if times is not None:
                times.append(reply.response_time)
    finally:
        session.close()
    return environment


def test_loopback_round_trips_keep_microseconds_in_the_histogram(own_demo):
    times: list[float] = []
    metrics = attach_metrics(echo_round_trips(own_demo, "/echo", 400, times))
    histogram = metrics.select("echo").histogram
    median = histogram.percentile_ms(50)
    # Locust's whole-millisecond buckets say 0 or 1 on loopback; the histogram keeps the
    # microseconds: its median is the exact one to HDR's 3 significant digits, whatever the load.
    assert median != round(median)
    assert median == pytest.approx(statistics.median(times), rel=0.01, abs=0.002)
    assert histogram.count == 400


def test_a_20_ms_server_delay_is_in_the_median_and_nothing_much_else(own_demo):
    metrics = attach_metrics(echo_round_trips(own_demo, "/echo?delay_ms=20", 40))
    # Never under the delay (the clock starts before the send); the margin is for a loaded
    # machine's timers, well under what a polling loop or a wait_time in the clock would add.
    assert 20.0 <= metrics.select("echo").histogram.percentile_ms(50) <= 35.0


def test_request_frames_count_as_messages_out_and_replies_as_messages_in(own_demo):
    reset_server(own_demo)
    metrics = attach_metrics(echo_round_trips(own_demo, "/echo", 50))
    server = server_stats(own_demo)
    assert (metrics.messages_out, metrics.messages_in) == (50, 50)
    assert (server["messages_in"], server["messages_out"]) == (50, 50)
    assert (metrics.bytes_out, metrics.bytes_in) == (server["bytes_in"], server["bytes_out"])
    assert metrics.select("send_blocked") is None  # one request at a time on loopback: no send blocked


class TwoSocketUser(WebSocketUser):
    """Holds two idle connections: ``self.client`` on /echo and one more."""

    abstract = True
    path = "/echo"
    ping_interval = 0
    wait_time = constant(0.5)

    def on_start(self) -> None:
        super().on_start()
        self.new_session().connect("/echo")

    @task
    def idle(self) -> None:
        pass


def test_open_connections_gauge_equals_the_servers_count_during_a_run(own_demo):
    user_class = type("GaugeUser", (TwoSocketUser,), {"abstract": False})
    environment = Environment(user_classes=[user_class], host=own_demo)
    metrics = attach_metrics(environment)
    runner = environment.create_local_runner()
    try:
        for users in (6, 2):
            runner.start(users, spawn_rate=100)
            wait_until(lambda users=users: metrics.open_connections == 2 * users)
            wait_until(lambda users=users: server_stats(own_demo)["open_connections"] == 2 * users)
            assert metrics.open_connections == server_stats(own_demo)["open_connections"]
        assert metrics.peak_open_connections == 12
    finally:
        runner.quit()
    assert metrics.open_connections == 0
    wait_until(lambda: server_stats(own_demo)["open_connections"] == 0)


def test_close_codes_match_what_the_server_sent(own_demo):
    reset_server(own_demo)
    environment = Environment(host=own_demo)
    metrics = attach_metrics(environment)
    sessions = []
    for code, count in ((4001, 5), (1001, 3)):
        for _ in range(count):
            session = WebSocketSession(own_demo, environment.events.request, ping_interval=0, backoff=None)
            session.connect(f"/close?code={code}&after_ms=20")
            sessions.append(session)
    wait_until(lambda: not any(session.connected for session in sessions))
    wait_until(lambda: sum(server_stats(own_demo)["close_codes_sent"].values()) == 8)
    sent = {int(code): count for code, count in server_stats(own_demo)["close_codes_sent"].items()}
    assert metrics.close_codes == sent == {4001: 5, 1001: 3}
    assert metrics.open_connections == 0


def test_socketio_namespaces_and_acks_count_like_websocket_connections(own_demo):
    environment = Environment(host=own_demo)
    metrics = attach_metrics(environment)
    session = SocketIOSession(own_demo, environment.events.request, backoff=None)
    session.connect()
    assert metrics.open_connections == 1
    assert session.call("echo", {"text": "hi"}).ok
    session.close()
    assert (metrics.open_connections, metrics.peak_open_connections, metrics.handshakes) == (0, 1, 1)
    ack = metrics.rows[("SIO", "request", "call echo")]
    assert ack.count == 1 and ack.histogram.count == 1
    assert metrics.messages_out >= 1 and metrics.bytes_out > 0 and metrics.messages_in >= 1
