"""A server that dies or freezes mid-run: every user reports the loss precisely, reconnects once
the server is back, and the run goes on without a traceback or a crashed user.

Each test runs its own demo server process, since it kills (SIGKILL) or freezes (SIGSTOP) it."""

from __future__ import annotations

import contextlib
import csv
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import gevent
import pytest

from locust_ws import Backoff, SocketIOSession, WebSocketSession
from locust_ws.demo import start_demo_process, stop_demo_process

from ..support.demo import fetch_json
from ..support.events import EventLog
from ..support.paths import TEST_LOCUSTFILES

LOCUSTFILE = TEST_LOCUSTFILES / "server_loss.py"


def http_of(url: str) -> str:
    return url.replace("ws://", "http://")


def restart_on_port(port: int, extra_args: tuple[str, ...] = ()) -> tuple[subprocess.Popen, str]:
    """A new demo server on the port the dead one held (retried while the port is still taken)."""
    deadline = time.monotonic() + 10
    while True:
        try:
            return start_demo_process(["--port", str(port), *extra_args])
        except RuntimeError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def wait_until(condition, timeout: float, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        gevent.sleep(interval)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open() as file:
        return list(csv.DictReader(file))


@contextlib.contextmanager
def own_demo(*extra_args: str) -> Iterator[list[tuple[subprocess.Popen, str]]]:
    """A demo server of one test alone, which may kill and replace it (``servers[-1]``)."""
    servers = [start_demo_process(list(extra_args))]
    try:
        yield servers
    finally:
        for process, _ in servers:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGCONT)
            stop_demo_process(process)


@pytest.fixture
def killable_demo():
    with own_demo() as servers:
        yield servers


@pytest.fixture
def killable_sio_demo():
    """With a fast Engine.IO heartbeat: a ping every 1 s, 1 s timeout."""
    with own_demo("--sio-ping-interval", "1", "--sio-ping-timeout", "1") as servers:
        yield servers


def test_server_killed_mid_run_is_reported_by_every_user_who_reconnect_when_it_is_back(
    killable_demo, tmp_path
):
    process, url = killable_demo[0]
    port = urlsplit(url).port
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", url]
    command += ["-u", "6", "-r", "6", "-t", "12s", "--only-summary", "--csv", str(tmp_path / "run")]
    log = tmp_path / "locust.log"
    with log.open("w") as output:
        locust = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_until(
            lambda: (
                fetch_json(f"{http_of(url)}/stats")["socketio"]["connected"] == 2
                and fetch_json(f"{http_of(url)}/stats")["handshakes"] == 4
            ),
            timeout=20,
        )
        gevent.sleep(1.0)  # some round trips on the first server
        process.kill()  # SIGKILL: no close frame, no FIN handshake of its own
        process.wait()
        gevent.sleep(2.0)  # the users find nothing listening for a while
        killable_demo.append(restart_on_port(port))
        locust.wait(timeout=60)
    finally:
        if locust.poll() is None:
            locust.kill()
            locust.wait()
    output = log.read_text()
    assert locust.returncode == 1, output  # Locust's exit code when there were failures
    assert "Traceback" not in output and "Unexpected exception" not in output

    # Every user reported its loss once (1006), as aggregated failure entries.
    failures = read_csv(tmp_path / "run_failures.csv")
    lost = Counter()
    for row in failures:
        if "connection lost (1006)" in row["Error"]:
            lost[row["Name"]] += int(row["Occurrences"])
    assert lost == {"close /echo": 4, "close /socket.io/": 2}, failures
    refused = [row for row in failures if "connection refused (nothing listening?)" in row["Error"]]
    assert refused, failures  # reconnect attempts while the server was down
    # One line per failure kind in the console: Locust's error report, not one per failure.
    for row in failures:
        assert output.count(f"{row['Method']} {row['Name']}: {row['Error']}") == 1, row
    assert len(output.splitlines()) < 150

    # Every user reconnected exactly once, to the new server, and kept working there.
    stats = {row["Name"]: row for row in read_csv(tmp_path / "run_stats.csv")}
    assert stats["reconnect /echo"]["Request Count"] == "4"
    assert stats["reconnect /echo"]["Failure Count"] == "0"
    assert stats["reconnect /socket.io/"]["Request Count"] == "2"
    new_server = fetch_json(f"{http_of(killable_demo[-1][1])}/stats")
    assert new_server["handshakes"] == 4
    assert new_server["socketio"]["connects"] == 2
    assert new_server["messages_in"] > 4 and new_server["socketio"]["events_in"] > 2
    # Each reconnect took at least the downtime: nothing reopened before the server was back.
    assert float(stats["reconnect /echo"]["Min Response Time"]) >= 1500


def test_frozen_server_is_detected_by_the_heartbeat_and_recovered_after_sigcont(killable_demo, environment):
    process, url = killable_demo[0]
    log = EventLog(environment)
    ping_interval, pong_timeout = 0.5, 0.5
    sessions = [
        WebSocketSession(
            url,
            environment.events.request,
            ping_interval=ping_interval,
            pong_timeout=pong_timeout,
            connect_timeout=0.5,
            backoff=Backoff(base=0.2, cap=0.4),
        )
        for _ in range(3)
    ]
    try:
        for session in sessions:
            session.connect("/echo")
        frozen_at = time.monotonic()
        os.kill(process.pid, signal.SIGSTOP)  # the TCP connections stay up: a half-open server
        wait_until(lambda: len(log.failures("ping")) == 3, timeout=10, interval=0.02)
        detected_after = time.monotonic() - frozen_at
        # The next ping goes out within ping_interval and fails after pong_timeout (+ slack for a
        # busy machine).
        assert detected_after < ping_interval + pong_timeout + 1.5
        assert {str(event.exception) for event in log.failures("ping")} == {"no pong within 0.5 s"}
        closes = log.failures("close /echo")
        assert len(closes) == 3
        assert {str(event.exception) for event in closes} == {"connection lost (1006): no pong within 0.5 s"}
        assert all(session.close_code == 1006 for session in sessions)
        # While frozen, the kernel still accepts TCP connections: reconnects time out.
        wait_until(lambda: len(log.failures("connect /echo")) >= 3, timeout=10)
        assert {str(event.exception) for event in log.failures("connect /echo")} == {
            "handshake timed out after 0.5 s (no HTTP response)"
        }
        os.kill(process.pid, signal.SIGCONT)
        wait_until(lambda: all(session.connected for session in sessions), timeout=15)
        assert len(log.successes("reconnect /echo")) == 3
        for session in sessions:
            assert session.request({"op": "after thaw"}, name="echo").ok
    finally:
        os.kill(process.pid, signal.SIGCONT)
        for session in sessions:
            session.close()


def test_frozen_socketio_server_misses_its_heartbeat_and_is_reconnected_after_sigcont(
    killable_sio_demo, environment
):
    process, url = killable_sio_demo[0]
    log = EventLog(environment)
    session = SocketIOSession(
        url, environment.events.request, connect_timeout=0.5, backoff=Backoff(base=0.2, cap=0.4)
    )
    try:
        session.connect()
        assert session.call("echo", {"n": 1}).ok
        frozen_at = time.monotonic()
        os.kill(process.pid, signal.SIGSTOP)
        wait_until(lambda: log.failures("heartbeat"), timeout=10, interval=0.02)
        detected_after = time.monotonic() - frozen_at
        assert detected_after < 1 + 1 + 1.5  # pingInterval + pingTimeout (+ slack)
        [missed] = log.failures("heartbeat")
        assert str(missed.exception) == "no Engine.IO ping within 2 s (pingInterval + pingTimeout)"
        [lost] = log.failures("close /socket.io/")
        assert str(lost.exception).startswith("connection lost (1006)")
        os.kill(process.pid, signal.SIGCONT)
        wait_until(lambda: session.connected and "/" in session.namespaces, timeout=15)
        assert len(log.successes("reconnect /socket.io/")) == 1
        assert session.call("echo", {"n": 2}).ok
    finally:
        os.kill(process.pid, signal.SIGCONT)
        session.close()
