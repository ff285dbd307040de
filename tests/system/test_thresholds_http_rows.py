"""Thresholds on Locust's own rows: a locustfile's HTTP requests (``POST /login``) are gated like
our WebSocket rows, with Locust's response times."""

from __future__ import annotations

import re

from .test_locustfiles import run_locust


def test_a_threshold_on_an_http_row_reads_locusts_own_stats():
    result = run_locust(
        "chat.py",
        *("-u", "4", "-r", "4", "-t", "3s", "--only-summary"),
        *("--ws-threshold", "POST /login:p95<5000ms", "--ws-threshold", "POST /login:count<1"),
    )
    output = result.stdout + result.stderr
    assert result.returncode == 3, output
    assert re.search(r"PASS    POST /login:p95<5000ms\s+\d+(\.\d+)? ms", output), output
    count = re.search(r"FAIL    POST /login:count<1\s+(\d+)", output)
    assert count is not None and int(count.group(1)) >= 4, output


def test_a_k6_metric_name_is_refused_at_start_up_before_any_load():
    result = run_locust(
        "echo.py", "-u", "1", "-r", "1", "-t", "2s", "--ws-threshold", "ws_connecting:p95<500ms"
    )
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "'ws_connecting' is a k6 metric; in locust-ws use connect" in output
    assert "Ramping" not in output
