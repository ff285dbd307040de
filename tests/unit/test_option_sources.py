"""Every ``--ws-*`` option is configurable where Locust users look: the command line, a
``LOCUST_WS_*`` environment variable and ``locust.conf``."""

from __future__ import annotations

import pytest
from locust.argument_parser import get_parser, parse_options

import locust_ws.plugin  # noqa: F401 - registers the options

LOCUSTFILE = "locustfiles/echo.py"


def ws_actions():
    return [action for action in get_parser()._actions if action.dest.startswith("ws_")]


def test_every_ws_option_has_its_locust_ws_environment_variable():
    actions = ws_actions()
    assert len(actions) >= 7
    for action in actions:
        [option] = action.option_strings
        assert action.env_var == "LOCUST_" + option[2:].upper().replace("-", "_"), option


def test_environment_variables_set_every_kind_of_option(monkeypatch):
    monkeypatch.setenv("LOCUST_WS_THRESHOLD", "[connect:p95<500ms, close_code_1006<1]")
    monkeypatch.setenv("LOCUST_WS_THRESHOLD_EXIT_CODE", "3")
    monkeypatch.setenv("LOCUST_WS_THRESHOLD_ABORT", "true")
    monkeypatch.setenv("LOCUST_WS_JSON", "run.json")
    monkeypatch.setenv("LOCUST_WS_CONNECT_RATE", "25")
    options = parse_options(["-f", LOCUSTFILE])
    assert options.ws_threshold == ["connect:p95<500ms", "close_code_1006<1"]
    assert options.ws_threshold_exit_code == 3
    assert options.ws_threshold_abort is True
    assert options.ws_json == "run.json"
    assert options.ws_connect_rate == 25.0


def test_locust_conf_sets_the_options(tmp_path):
    conf = tmp_path / "locust.conf"
    conf.write_text("ws-threshold = [handshake_failure_rate<1%]\nws-json = out.json\nws-connect-jitter = 2\n")
    options = parse_options(["-f", LOCUSTFILE, "--config", str(conf)])
    assert options.ws_threshold == ["handshake_failure_rate<1%"]
    assert options.ws_json == "out.json"
    assert options.ws_connect_jitter == 2.0


def test_a_malformed_environment_value_is_refused_like_the_flag(monkeypatch, capsys):
    monkeypatch.setenv("LOCUST_WS_THRESHOLD", "connect:p95<<1")
    with pytest.raises(SystemExit) as exit_info:
        parse_options(["-f", LOCUSTFILE])
    assert exit_info.value.code == 2
    assert "--ws-threshold" in capsys.readouterr().err
