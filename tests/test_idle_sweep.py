"""Idle sweeps find the idle timeout of a path: the demo server's ``--idle-timeout`` ends silent
connections (closing with 1001 or dropping them), ``wait_closed`` sees how, ``IdleSweepUser``
reports each hold, and the verdict names the timeout. The pure parts read as tables of cases."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import gevent
import pytest

from locust_ws import IdleDisconnect, WebSocketSession
from locust_ws.demo import start_demo_process, stop_demo_process
from locust_ws.patterns.idle import IdleGroup, death_text, format_idle_sweep, hold_label, idle_timeout_verdict

from .conftest import fetch_json
from .test_locustfiles import run_locust_on_demo

IDLE_TIMEOUT_S = 1.0


@pytest.fixture(scope="module", params=["close", "drop"])
def idle_server(request) -> Iterator[tuple[str, str]]:
    """(action, url) of a demo server ending connections idle for ``IDLE_TIMEOUT_S``."""
    process, url = start_demo_process(["--idle-timeout", str(IDLE_TIMEOUT_S), "--idle-action", request.param])
    yield request.param, url
    stop_demo_process(process)


def session_on(url: str, environment) -> WebSocketSession:
    return WebSocketSession(url, environment.events.request, ping_interval=0, backoff=None)


# -- the demo server's idle timeout -------------------------------------------------------------


def test_a_silent_connection_is_ended_after_the_idle_timeout(idle_server, environment):
    action, url = idle_server
    session = session_on(url, environment)
    session.connect("/echo")
    try:
        assert not session.wait_closed(IDLE_TIMEOUT_S * 0.5)  # not yet
        assert session.wait_closed(IDLE_TIMEOUT_S * 3)
    finally:
        session.close()
    expected = (
        (1001, "idle timeout") if action == "close" else (1006, "connection closed without a close frame")
    )
    assert (session.close_code, session.close_reason) == expected
    assert fetch_json(url.replace("ws://", "http://") + "/stats")["idle_timeouts"] >= 1


def test_a_connection_that_keeps_talking_is_not_idle(idle_server, environment):
    _, url = idle_server
    session = session_on(url, environment)
    session.connect("/echo")
    try:
        for _ in range(6):  # 1.8 s in all, never 1 s silent
            gevent.sleep(IDLE_TIMEOUT_S * 0.3)
            assert session.request({"op": "still here"}).ok
        assert session.connected
    finally:
        session.close()


def test_wait_closed_on_a_session_that_never_opened_returns_at_once(environment):
    assert session_on(environment.host, environment).wait_closed(5)


# -- how deaths read, and the verdict -----------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "reason", "text"),
    [
        (1001, "idle timeout", "closed by the server with 1001 (idle timeout)"),
        (1000, "", "closed by the server with 1000"),
        (1006, "reset", "lost: 1006 without a close frame"),
        (None, "", "lost: 1006 without a close frame"),
        (4000, "x" * 100 + "\x00", "closed by the server with 4000 (" + "x" * 40 + ")"),
    ],
)
def test_death_texts_are_stable_per_way_to_die(code, reason, text):
    assert death_text(code, reason) == text


def group(duration, holds, survived, first_death=None):
    how = {"closed by the server with 1001": holds - survived} if holds > survived else {}
    return IdleGroup(duration, holds, survived, how, first_death)


@pytest.mark.parametrize(
    ("groups", "verdict"),
    [
        (
            [group(10, 3, 3), group(20, 3, 3)],
            "no idle timeout up to 20 s: every connection survived every hold",
        ),
        (
            [group(10, 3, 3), group(20, 3, 3), group(40, 3, 0, 25.2), group(80, 3, 0, 25.1)],
            "idle timeout of the path: about 25.1 s (holds of 20 s survived, holds of 40 s and longer "
            "died, mostly closed by the server with 1001)",
        ),
        (
            [group(10, 3, 1, 4.0), group(20, 3, 0, 4.5)],
            "idle timeout of the path: about 4.0 s (holds of 10 s and longer died, mostly closed by the "
            "server with 1001)",
        ),
        ([group(10, 0, 0)], "no idle hold finished"),
    ],
)
def test_the_verdict_brackets_the_timeout_and_estimates_it_by_the_first_death(groups, verdict):
    assert idle_timeout_verdict(groups) == verdict


def test_the_sweep_table_has_a_line_per_duration_and_the_verdict():
    table = format_idle_sweep([group(40, 2, 0, 25.0), group(10, 2, 2)])
    lines = table.splitlines()
    assert lines[2].split()[:4] == ["10", "s", "2", "2"]
    assert "25.0 s" in lines[3] and "closed by the server with 1001 x 2" in lines[3]
    assert lines[-1].startswith("idle timeout of the path: about 25.0 s")
    assert hold_label(7.5) == "idle 7.5s"


def test_idle_disconnect_is_a_locust_ws_failure():
    assert issubclass(IdleDisconnect, Exception) and "1001" in str(IdleDisconnect(death_text(1001, "")))


# -- the sweep, end to end ----------------------------------------------------------------------


def test_the_idle_sweep_locustfile_finds_the_servers_idle_timeout():
    started = time.monotonic()
    result = run_locust_on_demo(
        "idle_sweep.py",
        ["--idle-timeout", "2", "--idle-action", "drop"],
        *("-u", "8", "-r", "8", "-t", "40s", "--only-summary", "--idle-durations", "0.5,1,3,5"),
    )
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    rows = dict(re.findall(r"^\s+([\d.]+) s\s+(\d+\s+\d+)", output, re.MULTILINE))
    assert rows == {"0.5": "2         2", "1": "2         2", "3": "2         0", "5": "2         0"}, output
    verdict = re.search(r"idle timeout of the path: about ([\d.]+) s \(holds of 1 s survived", output)
    assert verdict, output
    assert 1.9 <= float(verdict.group(1)) < 3.0  # the server's 2 s, within scheduling noise
    assert "lost: 1006 without a close frame x 2" in output
    assert time.monotonic() - started < 30  # it ended by itself once every hold was done, not at -t
