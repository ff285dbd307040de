"""Bad input and handshake faults not covered elsewhere: every ``--ws-*`` option refuses a malformed
value with a readable argparse error (exit 2, no traceback, no load sent), and so do bad user-class
attribute values, hosts, output paths and locustfile thresholds, at start-up; a misspelt attribute
is a warning naming the one meant; a payload that cannot be encoded is a failure entry, a URL that
cannot be connected to is not retried; the handshake timeout is set on the user class, and
refusals name their HTTP status."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import gevent
import pytest
from locust import constant, task
from locust.argument_parser import get_parser
from locust.env import Environment

from locust_ws import (
    Backoff,
    HandshakeRejected,
    InvalidURL,
    SocketIOUser,
    ThresholdError,
    UserClassError,
    WebSocketSession,
    WebSocketUser,
)
from locust_ws.metrics.thresholds import parse_threshold

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
    ("--ws-server-metrics", "127.0.0.1:8765/metrics", "expected an http:// or https:// URL"),
    ("--ws-server-metric", "open fds", "expected a Prometheus metric name such as process_open_fds"),
    ("--ws-server-scrape-interval", "0", "expected a number > 0, got '0'"),
    ("--ws-server-leak-tolerance", "lots", "expected a fraction from 0 to 1 (0.1 or 10%), got 'lots'"),
    ("--ws-server-leak-tolerance", "150%", "expected a fraction from 0 to 1"),
    ("--ws-server-leak-settle", "soon", "expected a number >= 0, got 'soon'"),
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
    for name in ("connect /echo", "connect /socket.io/"):
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


# -- bad input in the locustfile and on the command line, refused before any load ------------------

LOCUSTFILE_TEMPLATE = """
from locust import constant, task

from locust_ws import WebSocketUser, add_thresholds


class EchoUser(WebSocketUser):
    path = "/echo"
    wait_time = constant(1)
{attributes}
    @task
    def echo(self):
        self.client.request({{"op": "echo"}}, name="echo")
{module}
"""


def run_locust(tmp_path, args, attributes="", module="", seconds="1s"):
    locustfile = tmp_path / "locustfile.py"
    locustfile.write_text(LOCUSTFILE_TEMPLATE.format(attributes=attributes, module=module))
    command = [sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "-u", "1", "-r", "1"]
    command += ["-t", seconds, *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path)


def threshold_error(expression: str) -> str:
    with pytest.raises(ThresholdError) as error:
        parse_threshold(expression)
    return str(error.value)


REFUSED = [
    pytest.param(
        [],
        '    ping_interval = "1s"\n    reconnect_base = -1\n'
        "    connect_timeout = 0\n    max_message_size = -5\n",
        "",
        [
            "EchoUser.connect_timeout = 0: expected a number of seconds > 0",
            "EchoUser.max_message_size = -5: expected a whole number >= 0",
            "EchoUser.reconnect_base = -1: expected a number of seconds > 0",
            "EchoUser.ping_interval = '1s': expected a number of seconds >= 0 (0 = off)",
        ],
        id="class-attributes",
    ),
    pytest.param(
        [],
        "",
        'add_thresholds("connect:p95<500xs")',
        [f"add_thresholds(): {threshold_error('connect:p95<500xs')}"],
        id="add_thresholds-typo",
    ),
    pytest.param(
        ["--host", "foo"],
        "",
        "",
        ["argument --host: host must be an absolute URL such as ws://127.0.0.1:8765"],
        id="host-without-scheme",
    ),
    pytest.param(
        ["--host", "http://"],
        "",
        "",
        ["argument --host: invalid host URL: no host name after the scheme (e.g. ws://127.0.0.1:8765)"],
        id="host-without-name",
    ),
    pytest.param(
        ["--host", "ws://[::1"],
        "",
        "",
        ["argument --host: invalid host URL: Invalid IPv6 URL"],
        id="host-malformed",
    ),
    pytest.param(
        ["--ws-json", "{tmp}"],
        "",
        "",
        ["argument --ws-json: cannot write {tmp}: it is a directory"],
        id="ws-json-is-a-directory",
    ),
    pytest.param(
        ["--csv", "{tmp}/locustfile.py/run"],
        "",
        "",
        [
            "argument --csv: cannot write {tmp}/locustfile.py/run_stats.csv: "
            "{tmp}/locustfile.py is not a directory"
        ],
        id="csv-under-a-file",
    ),
]


@pytest.mark.parametrize(("args", "attributes", "module", "lines"), REFUSED)
def test_bad_input_is_refused_at_start_up_with_one_line_each_and_exit_code_2(
    tmp_path, args, attributes, module, lines
):
    args = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
    result = run_locust(tmp_path, args, attributes, module)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    # "<prog>: error: ...", as argparse writes it; prog is "__main__.py" under python -m locust
    errors = [line.split(": error: ", 1)[1] for line in result.stderr.splitlines() if ": error: " in line]
    assert sorted(errors) == sorted(line.replace("{tmp}", str(tmp_path)) for line in lines)
    assert "Traceback" not in output
    assert "Ramping" not in output and "demo server" not in output  # nothing started, nothing sent


def test_a_misspelt_attribute_is_a_warning_naming_the_attribute_meant(tmp_path, demo_url):
    result = run_locust(tmp_path, ["--host", demo_url], '    pth = "/echo"\n    reconect = False\n')
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "locust-ws: EchoUser.pth is not a user class attribute; did you mean path?" in output
    assert "locust-ws: EchoUser.reconect is not a user class attribute; did you mean reconnect?" in output
    assert "Traceback" not in output


def test_a_user_of_a_class_with_a_bad_value_cannot_be_created_in_code():
    class LateUser(WebSocketUser):
        abstract = True
        subprotocols = "chat"  # a bare string: ("chat") without its comma

    assert LateUser.attribute_problems() == [
        "LateUser.subprotocols = 'chat': expected a list or tuple of strings"
    ]
    with pytest.raises(UserClassError, match=r"LateUser\.subprotocols"):
        LateUser(Environment())


class BadPayloadUser(WebSocketUser):
    path = "/echo"
    ping_interval = 0
    wait_time = constant(0.01)

    @task
    def send_a_set(self):
        self.client.send({"tags": {"a", "b"}}, name="bad send")

    @task
    def request_an_object(self):
        self.client.request({"op": "echo", "who": object()}, name="bad request")


class BadSocketIOPayloadUser(SocketIOUser):
    wait_time = constant(0.01)

    @task
    def send_a_set(self):
        self.client.emit("chat", {"tags": {"a", "b"}}, name="bad send")

    @task
    def request_an_object(self):
        self.client.call("echo", {"who": object()}, name="bad request")


@pytest.mark.parametrize(
    ("user_class", "request_type"), [(BadPayloadUser, "WS"), (BadSocketIOPayloadUser, "SIO")]
)
def test_a_payload_that_cannot_be_encoded_is_one_failure_entry_not_a_traceback(
    demo_url, caplog, user_class, request_type
):
    environment = Environment(user_classes=[user_class], host=demo_url)
    log = EventLog(environment)
    runner = environment.create_local_runner()
    with caplog.at_level(logging.ERROR):
        runner.start(1, spawn_rate=10)
        gevent.sleep(1.0)
        runner.quit()
    assert runner.exceptions == {}
    assert "Traceback" not in caplog.text
    assert len(log.named("bad send")) > 5 and len(log.named("bad request")) > 5
    errors = {(error.name, str(error.error)) for error in environment.stats.errors.values()}
    assert errors == {
        ("bad send", "cannot encode payload: Object of type set is not JSON serializable"),
        ("bad request", "cannot encode payload: Object of type object is not JSON serializable"),
    }
    assert environment.stats.get("bad send", request_type).num_failures == len(log.named("bad send"))


def test_a_url_that_cannot_be_connected_to_is_not_retried(environment, event_log):
    backoff = Backoff(base=0.01, cap=0.05)
    session = WebSocketSession("http://", environment.events.request, ping_interval=0, backoff=backoff)
    with pytest.raises(InvalidURL):
        session.connect("/echo")
    gevent.sleep(0.2)
    assert not session.reconnecting
    assert [str(event.exception) for event in event_log.events] == [
        "invalid host URL: no host name after the scheme (e.g. ws://127.0.0.1:8765)"
    ]


def test_a_task_named_like_an_attribute_is_refused_for_hiding_it():
    class ReopeningUser(WebSocketUser):
        abstract = True

        @task
        def reconnect(self):  # shadows the reconnect flag: reconnecting would silently stay on
            self.client.close()

    assert ReopeningUser.attribute_problems() == [
        "ReopeningUser.reconnect is a method, which hides the attribute: rename it"
    ]
