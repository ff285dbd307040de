"""Whole headless runs with ``--ws-server-metrics``: the target's series beside our numbers in every
report, the leak verdict on a server that leaks on purpose, and a target that cannot be scraped."""

from __future__ import annotations

import json

import pytest

from locust_ws.demo import start_demo_process, stop_demo_process

from ..support.hostile_servers import refusing_port
from .test_locustfiles import run_locust

FAST_SCRAPES = ("--ws-server-scrape-interval", "1", "--ws-server-leak-settle", "4")


@pytest.fixture
def leaking_demo():
    process, url = start_demo_process(["--leak-connections"])
    yield url
    stop_demo_process(process)


def metrics_url(ws_url: str) -> str:
    return ws_url.replace("ws://", "http://") + "/metrics"


def test_a_server_that_keeps_a_descriptor_per_connection_fails_the_leak_threshold(leaking_demo, tmp_path):
    result = run_locust(
        "echo.py",
        *("--host", leaking_demo, "-u", "30", "-r", "30", "-t", "4s", "--only-summary"),
        *("--ws-server-metrics", metrics_url(leaking_demo), *FAST_SCRAPES),
        *(
            "--ws-threshold",
            "server:process_open_fds:leak<1",
            "--ws-threshold",
            "server:process_open_fds<100000",
        ),
        *("--ws-json", str(tmp_path / "ws.json"), "--html", str(tmp_path / "run.html")),
    )
    output = result.stdout + result.stderr
    assert result.returncode == 3, output
    assert "Traceback" not in output
    assert "FAIL    server:process_open_fds:leak<1" in output
    assert "PASS    server:process_open_fds<100000" in output
    summary = json.loads((tmp_path / "ws.json").read_text())
    series = {row["series"]: row for row in summary["server"]["series"]}
    fds = series["process_open_fds"]
    assert fds["returned"] is False and fds["after_drop"] >= fds["baseline"] + 30
    assert fds["verdict"] in output and "did not return (leak?)" in fds["verdict"]
    assert series["demo_open_connections"]["returned"] is True
    assert summary["server"]["leaks"] == ["process_open_fds"]
    assert "did not return (leak?)" in (tmp_path / "run.html").read_text()


def test_a_server_that_recovers_passes_and_a_target_that_is_down_is_one_warning(demo_url, tmp_path):
    with refusing_port() as down:
        result = run_locust(
            "echo.py",
            *("--host", demo_url, "-u", "10", "-r", "10", "-t", "4s", "--only-summary"),
            *("--ws-server-metrics", metrics_url(demo_url), "--ws-server-metrics", metrics_url(down)),
            *FAST_SCRAPES,
            *("--ws-threshold", "server_leaks<1", "--ws-json", str(tmp_path / "ws.json")),
        )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert output.count("cannot scrape server metrics from") == 1, output
    summary = json.loads((tmp_path / "ws.json").read_text())
    fds = next(row for row in summary["server"]["series"] if row["series"].endswith(" process_open_fds"))
    assert fds["returned"] is True and fds["peak"] >= fds["baseline"] + 10
    assert "returned" in fds["verdict"] and fds["verdict"] in output
    assert len(summary["server"]["errors"]) == 1
    echo = next(row for row in summary["latency"] if row["name"] == "echo")
    assert echo["count"] > 0
