"""Hostile servers (issue 13): a load test must stay cheap, bounded and readable against a server
that is down, refuses, trickles, stops reading, answers with garbage or closes on purpose.

Every ``xfail`` here is a defect of today's code, failing first (strict: a fix turns it into a
pass, and then the marker goes). The tests that are not marked are the other side of a fix: what it
must keep working. Calls that hang on today's code run in a greenlet with a deadline
(``run_bounded``), so a defect fails the test in seconds instead of hanging it.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import gevent
import pytest
from locust import constant, task
from locust.env import Environment

from locust_ws import (
    Backoff,
    ConnectError,
    ConnectTimeout,
    SocketIOSession,
    WebSocketError,
    WebSocketSession,
    WebSocketUser,
)

from ..support.events import EventLog
from ..support.hostile_servers import HostileServer, refusing_port


@pytest.fixture
def environment() -> Environment:
    """A bare environment: these tests bring their own servers, not the demo's."""
    return Environment()


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileServer]:
    server = HostileServer().start()
    yield server
    server.stop()


@dataclass
class Outcome:
    seconds: float
    finished: bool
    value: Any = None
    error: BaseException | None = None


def run_bounded(call: Callable[[], Any], bound: float) -> Outcome:
    """Run ``call()`` in a greenlet of its own for at most ``bound`` seconds (then it is killed)."""
    outcome = Outcome(0.0, finished=False)

    def work() -> None:
        try:
            outcome.value = call()
        except Exception as error:  # noqa: BLE001 - what it raised is part of the outcome
            outcome.error = error
        outcome.finished = True

    start = time.monotonic()
    worker = gevent.spawn(work)
    worker.join(bound)
    outcome.seconds = time.monotonic() - start
    if not worker.dead:
        worker.kill(block=True, timeout=2)
    return outcome


def ws_session(url: str, environment: Environment, **options: Any) -> WebSocketSession:
    options.setdefault("ping_interval", 0)
    return WebSocketSession(url, environment.events.request, **options)


# -- defect 2: a failure storm while disconnected ------------------------------------------------

STORM_SECONDS = 3.0
MAX_FAILURES = 20  # a handful of reconnect attempts, plus what the task reports while it waits
MAX_CPU_SHARE = 0.10  # of one core, over the window


class BusyUser(WebSocketUser):
    """A user with no think time: each task is one round trip."""

    abstract = True
    path = "/echo"
    wait_time = constant(0)
    ping_interval = 0
    reconnect_jitter = False  # waits of 0.5, 1, 2 s: three connects in the window

    @task
    def echo(self) -> None:
        self.client.request({"op": "echo"}, name="echo")


class DeadServerUser(BusyUser):
    pass


class DeadServerNoReconnectUser(BusyUser):
    reconnect = False


class UnauthorizedUser(BusyUser):
    path = "/status/401"


@contextlib.contextmanager
def storm_host(kind: str, hostile: HostileServer) -> Iterator[str]:
    if kind == "401":
        yield hostile.url
    else:
        with refusing_port() as url:
            yield url


@pytest.mark.parametrize(
    ("user_class", "kind"),
    [
        (DeadServerUser, "refused"),
        (DeadServerNoReconnectUser, "refused"),
        (UnauthorizedUser, "401"),
    ],
    ids=["dead-server-reconnecting", "dead-server-reconnect-off", "handshake-401"],
)
def test_a_user_without_a_connection_reports_a_handful_of_failures_and_idles(user_class, kind, hostile):
    """A user that cannot connect reports a few failures per attempt and waits, not ~80,000/s."""
    with storm_host(kind, hostile) as host:
        environment = Environment(user_classes=[user_class], host=host)
        log = EventLog(environment)
        runner = environment.create_local_runner()
        cpu_before, started = time.process_time(), time.monotonic()
        try:
            runner.start(1, spawn_rate=10)
            gevent.sleep(STORM_SECONDS)
            cpu = time.process_time() - cpu_before
            elapsed = time.monotonic() - started
            failures = len(log.failures())
        finally:
            runner.quit()
    measured = f"{failures} failure entries ({failures / elapsed:.0f}/s), {cpu / elapsed:.0%} CPU"
    assert failures <= MAX_FAILURES, measured
    assert cpu < MAX_CPU_SHARE * elapsed, measured


# -- defect 3: the opening handshake has no overall deadline ------------------------------------

CONNECT_TIMEOUT = 1.0
CONNECT_DEADLINE = CONNECT_TIMEOUT + 2.0  # generous for a loaded machine; the defect takes minutes
HANG_BOUND = 4.5  # the test gives up on a hanging call after this


def assert_timed_out_in(outcome: Outcome, phase: str) -> None:
    assert outcome.finished, f"connect still hanging after {outcome.seconds:.1f} s"
    assert outcome.seconds < CONNECT_DEADLINE, f"connect took {outcome.seconds:.1f} s"
    assert isinstance(outcome.error, ConnectTimeout), repr(outcome.error)
    text = str(outcome.error)
    assert re.search(phase, text, re.IGNORECASE), text
    assert f"{CONNECT_TIMEOUT:g} s" in text, text


def test_a_trickled_upgrade_response_times_out_within_connect_timeout(hostile, environment, event_log):
    """A 101 response trickled a byte per 100 ms fails at connect_timeout, naming the handshake."""
    session = ws_session(hostile.url, environment, connect_timeout=CONNECT_TIMEOUT)
    outcome = run_bounded(lambda: session.connect("/trickle"), HANG_BOUND)
    assert_timed_out_in(outcome, r"handshake|response")
    [event] = event_log.failures("connect /trickle")
    assert str(event.exception) == str(outcome.error)


def test_a_socketio_trickled_upgrade_response_times_out_within_connect_timeout(hostile, environment):
    """Socket.IO's WebSocket upgrade is under the same connect_timeout deadline as the rest."""
    session = SocketIOSession(hostile.url, environment.events.request, connect_timeout=CONNECT_TIMEOUT)
    outcome = run_bounded(lambda: session.connect(socketio_path="trickle"), HANG_BOUND)
    assert_timed_out_in(outcome, r"handshake|response")


def test_a_trickled_engineio_open_over_polling_times_out_within_connect_timeout(hostile, environment):
    """An Engine.IO open packet trickled in a long-polling response fails at connect_timeout."""
    session = SocketIOSession(hostile.url, environment.events.request, connect_timeout=CONNECT_TIMEOUT)
    outcome = run_bounded(
        lambda: session.connect(socketio_path="polling-trickle", transports=["polling"]), HANG_BOUND
    )
    assert_timed_out_in(outcome, r"Engine\.IO|open|polling")


def test_a_missing_engineio_open_packet_times_out_naming_that_phase(hostile, environment):
    """After a good upgrade, no Engine.IO open packet fails at connect_timeout and says so."""
    session = SocketIOSession(hostile.url, environment.events.request, connect_timeout=CONNECT_TIMEOUT)
    outcome = run_bounded(lambda: session.connect(socketio_path="no-engineio-open"), HANG_BOUND)
    assert_timed_out_in(outcome, r"Engine\.IO|open packet")


# -- defect 5: request(timeout=) does not cover the send -----------------------------------------

REQUEST_TIMEOUT = 1.0


def pipe_filling_size() -> int:
    """Bytes sure to fill the client's send buffer (its autotuning ceiling, ``tcp_wmem``) and the
    deaf server's small receive buffer, twice over."""
    try:
        with open("/proc/sys/net/ipv4/tcp_wmem") as limits:
            send_buffer_max = int(limits.read().split()[2])
    except (OSError, ValueError, IndexError):
        send_buffer_max = 8 * 1024 * 1024
    return 2 * send_buffer_max + 1024 * 1024


@pytest.fixture
def deaf_server() -> Iterator[HostileServer]:
    server = HostileServer(receive_buffer=16 * 1024).start()
    yield server
    server.stop()


def test_a_request_to_a_server_that_stops_reading_fails_within_its_timeout(
    deaf_server, environment, event_log
):
    """request(timeout=1) gives up after ~1 s even while its frame cannot be written."""
    session = ws_session(deaf_server.url, environment)
    session.connect("/deaf")
    payload = {"blob": "x" * pipe_filling_size()}
    try:
        outcome = run_bounded(lambda: session.request(payload, timeout=REQUEST_TIMEOUT), HANG_BOUND)
    finally:
        deaf_server.stop()  # its sockets close, so our blocked sends (and our close) end
        with gevent.Timeout(5):
            session.close()
    assert outcome.finished, f"request still blocked after {outcome.seconds:.1f} s"
    assert outcome.seconds < REQUEST_TIMEOUT + 2.5, f"request took {outcome.seconds:.1f} s"
    [event] = event_log.named("request")
    assert event.exception is not None
    assert re.search(rf"(within|after) {REQUEST_TIMEOUT:g} s", str(event.exception)), str(event.exception)


CLOSE_TIMEOUT = 1.0


def test_close_behind_a_send_the_server_never_reads_ends_within_close_timeout(
    deaf_server, environment, event_log
):
    """close() while another greenlet's frame is stuck in a full pipe: the close frame cannot go
    out, and close() gives up after close_timeout with a ``close`` failure instead of waiting
    behind the stuck send."""
    session = ws_session(deaf_server.url, environment, close_timeout=CLOSE_TIMEOUT)
    session.connect("/deaf")
    stuck = gevent.spawn(session.send, {"blob": "x" * pipe_filling_size()})
    try:
        gevent.sleep(0.5)  # the send fills the pipe and blocks, holding the connection's sends
        assert not stuck.dead, "the pipe-filling send finished: the server read it"
        outcome = run_bounded(session.close, HANG_BOUND)
    finally:
        deaf_server.stop()
        stuck.kill(block=True, timeout=5)
    assert outcome.finished, f"close still blocked after {outcome.seconds:.1f} s"
    assert outcome.seconds < CLOSE_TIMEOUT + 2.5, f"close took {outcome.seconds:.1f} s"
    [event] = event_log.named("close /deaf")
    assert re.search(rf"within {CLOSE_TIMEOUT:g} s", str(event.exception)), str(event.exception)


# -- defect 6: server-controlled bytes in failure texts --------------------------------------------

GARBAGE_CONNECTS = 30
MAX_DISTINCT_FAILURES = 3
MAX_FAILURE_TEXT = 200


@pytest.mark.parametrize("path", ["/garbage", "/garbage-headers"])
def test_garbage_handshake_responses_share_a_few_failure_rows(hostile, path):
    """Random bytes in place of a handshake response give a few failure rows, not one per
    connection: the text names the fault in a short printable line, not the server's bytes."""
    environment = Environment()
    log = EventLog(environment)
    runner = environment.create_local_runner()  # its listener fills environment.stats as in a run
    session = ws_session(hostile.url, environment)
    try:
        for _ in range(GARBAGE_CONNECTS):
            with contextlib.suppress(ConnectError):
                session.connect(path)
    finally:
        session.close()
        runner.quit()
    failures = log.failures(f"connect {path}")
    assert len(failures) == GARBAGE_CONNECTS
    texts = sorted({str(event.exception) for event in failures})
    assert len(texts) <= MAX_DISTINCT_FAILURES, f"{len(texts)} distinct failure texts, e.g. {texts[:2]}"
    assert len(environment.stats.errors) <= MAX_DISTINCT_FAILURES, len(environment.stats.errors)
    assert all(len(text) <= MAX_FAILURE_TEXT and text.isprintable() for text in texts), texts[:2]


# -- defect 9: reconnecting ignores why the server closed -------------------------------------------

RECONNECT_WINDOW = 1.5
FAST_BACKOFF = Backoff(base=0.1, cap=0.1, jitter=False)  # a reconnect every 0.1 s, were it allowed


def watch_reconnects(server: HostileServer, path: str, environment: Environment) -> int:
    """Connect once, then keep sending (bounded) for ``RECONNECT_WINDOW`` seconds the way a task
    does; returns how many upgrades the server saw on ``path``."""
    session = ws_session(server.url, environment, backoff=FAST_BACKOFF)
    before = server.upgrades[path]
    try:
        session.connect(path)
        deadline = time.monotonic() + RECONNECT_WINDOW
        for _ in range(20):
            if time.monotonic() > deadline:
                break
            gevent.sleep(0.1)
            with contextlib.suppress(WebSocketError):
                session.send({"op": "still there?"})
    finally:
        session.close()
    return server.upgrades[path] - before


@pytest.mark.parametrize("code", [4001, 1008])
def test_a_deliberate_close_is_not_reconnected(hostile, environment, event_log, code):
    """A server closing with a policy code (1008, 4xxx) means it: no reconnect, in the background
    or on the next send."""
    connects = watch_reconnects(hostile, f"/close/{code}", environment)
    assert connects == 1, f"{connects} connects in {RECONNECT_WINDOW:g} s"
    [closed] = event_log.failures(f"close /close/{code}")
    assert f"code {code}" in str(closed.exception)


@pytest.mark.parametrize("path", ["/close/1011", "/close/1012", "/close/1013", "/drop"])
def test_an_overloaded_restarting_or_dropped_server_is_reconnected(hostile, environment, path):
    """1011/1012/1013 and a lost connection (1006) are transient: reconnecting stays on for them.
    (Passes today; it keeps the fix of defect 9 from switching reconnects off altogether.)"""
    connects = watch_reconnects(hostile, path, environment)
    assert connects >= 3, f"{connects} connects in {RECONNECT_WINDOW:g} s"
