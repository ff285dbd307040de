"""Bad input and handshake faults not covered elsewhere: every ``--ws-*`` option refuses a malformed
value with a readable argparse error (exit 2, no traceback, no load sent), the handshake timeout is
set on the user class, and refusals name their HTTP status."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import gevent
import pytest
from locust.argument_parser import get_parser
from locust.env import Environment

from locust_ws import HandshakeRejected, WebSocketSession

from ..locustfiles.server_loss import CallUser, EchoUser
from ..support.events import EventLog
from ..support.faulty_server import silent_port
from ..support.paths import ROOT

BAD_VALUES = [
    ("--ws-threshold", "connect:p95<<500ms", "invalid threshold 'connect:p95<<500ms'"),
    ("--ws-threshold-exit-code", "three", "expected an exit code from 0 to 255, got 'three'"),
    ("--ws-threshold-exit-code", "256", "expected an exit code from 0 to 255, got '256'"),
    ("--ws-threshold-exit-code", "-1", "expected an exit code from 0 to 255, got '-1'"),
    ("--ws-threshold-abort-grace", "soon", "expected a number >= 0, got 'soon'"),
    ("--ws-threshold-abort-grace", "nan", "expected a number >= 0, got 'nan'"),
    ("--ws-threshold-abort-grace", "-4", "expected a number >= 0, got '-4'"),
    ("--ws-threshold-abort", "yes", "ignored explicit argument 'yes'"),
    ("--ws-connect-rate", "fast", "expected a number >= 0, got 'fast'"),
    ("--ws-connect-jitter", "inf", "expected a number >= 0, got 'inf'"),
    ("--ws-json", None, "expected one argument"),
    (
        "--ws-source-addresses",
        "127.0.0.2/33",
        "expected IP addresses or networks: source address '127.0.0.2/33'",
    ),
]


def ws_options() -> set[str]:
    return {
        option
        for action in get_parser()._actions
        for option in action.option_strings
        if option.startswith("--ws-")
    }


def test_every_ws_option_has_a_malformed_value_case():
    assert {option for option, _, _ in BAD_VALUES} == ws_options()


@pytest.mark.parametrize(("option", "value", "message"), BAD_VALUES)
def test_a_malformed_ws_option_is_a_readable_command_line_error(option, value, message, capsys):
    argument = [option] if value is None else [f"{option}={value}"]
    with pytest.raises(SystemExit) as exit_info:
        get_parser().parse_args(argument)
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert f"error: argument {option}: {message}" in error
    assert "Traceback" not in error


def test_a_malformed_option_stops_locust_before_any_load():
    command = [sys.executable, "-m", "locust", "-f", str(ROOT / "locustfiles" / "echo.py"), "--headless"]
    command += ["-u", "2", "-r", "2", "-t", "2s", "--ws-threshold-exit-code", "256"]
    env = {**os.environ, "LOCUST_WS_CONNECT_RATE": "fast"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "error: argument --ws-" in output
    assert "Traceback" not in output
    assert "demo server" not in output and "Ramping" not in output


@pytest.fixture
def silent_host():
    with silent_port() as url:
        yield url


class SilentWebSocketUser(EchoUser):
    fixed_count = 1
    connect_timeout = 0.3
    reconnect_base = 0.1


class SilentSocketIOUser(CallUser):
    fixed_count = 1
    connect_timeout = 0.3
    reconnect_base = 0.1


def test_the_user_class_connect_timeout_bounds_a_handshake_nobody_answers(silent_host, caplog):
    environment = Environment(user_classes=[SilentWebSocketUser, SilentSocketIOUser], host=silent_host)
    log = EventLog(environment)
    runner = environment.create_local_runner()
    with caplog.at_level(logging.WARNING):
        runner.start(2, spawn_rate=100)
        gevent.sleep(1.5)
        assert runner.user_count == 2  # neither user died of it
        runner.quit()
    for name in ("connect /echo", "connect /"):
        attempts = log.named(name)
        assert len(attempts) >= 2, name  # on_start, then the background reconnects
        assert {str(event.exception) for event in attempts} == {
            "handshake timed out after 0.3 s (no HTTP response)"
        }
        assert all(250 < event.response_time < 2500 for event in attempts)
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize(
    ("status", "text"),
    [(403, "HTTP 403 Forbidden"), (429, "HTTP 429 Too Many Requests"), (503, "HTTP 503 Service Unavailable")],
)
def test_refusals_name_status_and_reason(demo_url, environment, event_log, status, text):
    session = WebSocketSession(demo_url, environment.events.request, ping_interval=0)
    with pytest.raises(HandshakeRejected) as refused:
        session.connect(f"/status/{status}")
    assert refused.value.status_code == status
    [event] = event_log.named(f"connect /status/{status}")
    assert str(event.exception) == f"handshake refused: {text}"
