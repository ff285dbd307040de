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


def summary_value(output: str, label: str) -> str:
    """A single number of the locust-ws summary as printed: ``compression ratio in  5.94x``."""
    match = re.search(rf"(?:^|\s\s){re.escape(label)}\s+(\S+(?: us| samples)?)", output, re.MULTILINE)
    assert match, f"{label!r} not in the summary"
    return match.group(1)


@pytest.mark.parametrize("setting", ["deflate", "off"])
def test_compression_locustfile_reports_what_deflate_saved_and_cost(setting):
    result = run_locust(
        "compression.py", "-u", "10", "-r", "10", "-t", "4s", "--only-summary", "--compression", setting
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    requests, failures = stats_rows(output)["chat round trip"]
    assert requests > 0 and failures == 0
    ratio, cpu = (
        summary_value(output, "compression ratio in"),
        summary_value(output, "deflate CPU per message"),
    )
    wire_out, bytes_out = (
        int(summary_value(output, "wire bytes out")),
        int(summary_value(output, "bytes out")),
    )
    if setting == "off":
        assert (ratio, cpu, wire_out) == ("no samples", "no samples", bytes_out)
    else:
        assert float(ratio.removesuffix("x")) > 2 and cpu.endswith(" us")
        assert wire_out < bytes_out / 2
