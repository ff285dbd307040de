"""The shipped locustfiles run as-is, headless, against the auto-started demo server."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from locust_ws.demo import start_demo_process, stop_demo_process

from ..support.paths import ROOT


def run_locust(locustfile: str, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "locust", "-f", str(ROOT / "locustfiles" / locustfile), "--headless"]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, timeout=120, cwd=ROOT, check=False
    )


def run_locust_on_demo(locustfile: str, demo_args: list[str], *args: str) -> subprocess.CompletedProcess:
    """``run_locust`` with ``--host`` at a demo server started with ``demo_args`` for this run."""
    process, url = start_demo_process(demo_args)
    try:
        return run_locust(locustfile, "--host", url, *args)
    finally:
        stop_demo_process(process)


def stats_rows(output: str) -> dict[str, tuple[int, int]]:
    """``name -> (requests, failures)`` from Locust's final stats table."""
    rows = {}
    for match in re.finditer(r"^(?:WS|POST|GET)\s+(.+?)\s{2,}(\d+)\s+(\d+)\(", output, re.MULTILINE):
        rows[match.group(1).strip()] = (int(match.group(2)), int(match.group(3)))
    return rows


def test_chat_locustfile_reports_connect_round_trip_and_fanout_without_failures():
    result = run_locust("chat.py", "-u", "20", "-r", "20", "-t", "6s", "--only-summary")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "started the locust-ws demo server at ws://127.0.0.1:" in output
    rows = stats_rows(output)
    for name in ("POST /login", "connect /rooms/[room]", "chat round trip", "fanout", "server push", "ping"):
        requests, failures = rows[name]
        assert requests > 0, name
        assert failures == 0, name
    assert "Traceback" not in output


def test_echo_locustfile_runs_round_trips():
    result = run_locust("echo.py", "-u", "10", "-r", "10", "-t", "3s", "--only-summary")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    rows = stats_rows(output)
    assert rows["connect /echo"] == (10, 0)
    assert rows["echo"][0] > 100 and rows["echo"][1] == 0


@pytest.mark.parametrize("host", ["ws://127.0.0.1:1"])
def test_dead_server_gives_failure_entries_not_tracebacks(host):
    result = run_locust("echo.py", "--host", host, "-u", "5", "-r", "5", "-t", "2s", "--only-summary")
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert "connection refused" in output
    assert result.returncode == 1  # Locust's exit code when there were failures
