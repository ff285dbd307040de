"""Staggered connects in a real LocalRunner, checked with the demo server's handshake timestamps:
the connect-rate cap holds for the busiest second, and the jitter spreads first connects."""

from __future__ import annotations

import argparse
import time

import gevent
import pytest
from locust.argument_parser import get_parser, ui_extra_args_dict
from locust.env import Environment

from locust_ws import peak_rate
from locust_ws.patterns.stagger import connect_option

from ..locustfiles.herd import HerdUser
from ..support.demo import fetch_json


def herd(demo_url: str, users: int, **options: float) -> list[float]:
    """Spawn ``users`` at once with the given --ws-connect-* options; the server's handshake times."""
    parsed = argparse.Namespace(**{"ws_connect_rate": 0.0, "ws_connect_jitter": 0.0, **options})
    environment = Environment(user_classes=[HerdUser], host=demo_url, parsed_options=parsed)
    runner = environment.create_local_runner()
    started = time.time()
    runner.start(users, spawn_rate=users * 100)  # everybody in the same instant: a herd
    try:
        with gevent.Timeout(30):
            while True:
                times = [t for t in _stats(demo_url)["handshake_times"] if t >= started]
                if len(times) >= users:
                    return times
                gevent.sleep(0.1)
    finally:
        runner.quit()


def test_connect_rate_cap_holds_for_the_busiest_second(demo_url):
    times = herd(demo_url, users=45, ws_connect_rate=20)
    assert len(times) == 45
    assert peak_rate(times) <= 20 * 1.1
    assert max(times) - min(times) >= 44 / 20 * 0.9  # paced, not merely lucky


def test_first_connect_jitter_spreads_the_herd_over_the_window(demo_url):
    times = herd(demo_url, users=30, ws_connect_jitter=2.0)
    assert len(times) == 30
    assert max(times) - min(times) > 1.0  # uniform over 2 s: a spread under 1 s is ~1e-9 likely
    assert peak_rate(times) < 30


def test_options_are_registered_for_the_command_line_and_the_web_ui():
    extra = ui_extra_args_dict([])
    assert extra["ws_connect_rate"]["default_value"] == 0.0
    assert extra["ws_connect_jitter"]["default_value"] == 0.0
    options = get_parser().parse_args(["--ws-connect-rate", "50", "--ws-connect-jitter", "1.5"])
    assert (options.ws_connect_rate, options.ws_connect_jitter) == (50.0, 1.5)


@pytest.mark.parametrize("value", ["-5", "fast", "nan"])
def test_a_bad_option_value_is_a_clear_command_line_error(value, capsys):
    with pytest.raises(SystemExit) as exit_info:
        get_parser().parse_args([f"--ws-connect-rate={value}"])
    assert exit_info.value.code == 2
    assert "expected a number >= 0" in capsys.readouterr().err


def test_a_bad_value_from_the_web_ui_form_is_logged_once_and_means_off(caplog):
    environment = Environment(parsed_options=argparse.Namespace(ws_connect_rate=-3.0))
    assert connect_option(environment, "ws_connect_rate") == 0.0
    assert connect_option(environment, "ws_connect_rate") == 0.0
    assert caplog.text.count("--ws-connect-rate must be a number >= 0") == 1
    assert connect_option(Environment(), "ws_connect_jitter") == 0.0  # no options at all: off


def _stats(demo_url: str) -> dict:
    return fetch_json(demo_url.replace("ws://", "http://") + "/stats")
