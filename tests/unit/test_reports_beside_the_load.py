"""The server's series, the breakpoint and the hosts in every report: console, CSV, JSON, HTML and
the web UI tab render the same summary entries."""

from __future__ import annotations

import csv
import io
import json

from locust_ws.cluster.host_info import describe_host
from locust_ws.metrics.server_health import ServerHealth
from locust_ws.reports import summary as reports
from locust_ws.reports.html import render_section
from locust_ws.reports.webui import tab_rows

from .test_reports import run_summary

LEAK = "process_open_fds 5,012 after ramp-down vs 12 before: did not return (leak?)"


def summary_beside_the_load() -> dict:
    health = ServerHealth(settle_s=1)
    for now, users, value in [(0, 0, 12), (1, 5000, 5012), (2, 0, 5012), (4, 0, 5012)]:
        health.users(users, now)
        health.observe("process_open_fds", value, now)
    server = {
        "targets": ["http://127.0.0.1:9/metrics"],
        "series": health.summary(4),
        "leaks": health.leaks(4),
    }
    summary = reports.with_server(
        run_summary(), {**server, "errors": ["http://127.0.0.1:9/metrics: refused"]}
    )
    found = {
        "found": True,
        "sustained_users": 500,
        "step": 50,
        "broken_at_s": 110.0,
        "broken_by": ["handshake_failure_rate>1%"],
        "at_sustained": {"open_connections": 500, "connect_p95_ms": 4.25, "handshake_failure_rate": 0.0},
        "max_users_reached": False,
    }
    host = describe_host(planned_users=600) | {"worker": "worker 1", "host": "gen-3", "open_files_limit": 512}
    host["warnings"] = ["worker 1 (gen-3) planned 600 users but may open 512 files"]
    return reports.with_hosts(reports.with_breakpoint(summary, found), [host])


def test_every_report_shows_the_leak_verdict_the_breakpoint_and_the_hosts():
    summary = summary_beside_the_load()
    console = reports.format_console(summary)
    assert f"  {LEAK}" in console
    assert "  scrape failed: http://127.0.0.1:9/metrics: refused" in console
    assert "Breakpoint: sustained 500 users (open_connections 500, connect_p95_ms 4.250 ms," in console
    assert "  broke at 550 users after 110 s: handshake_failure_rate>1%" in console
    assert "  worker 1: gen-3 pid " in console and "600 users planned" in console
    assert "  WARNING: worker 1 (gen-3) planned 600 users but may open 512 files" in console
    html = render_section(summary)
    assert "did not return (leak?)" in html and "Breakpoint: sustained 500 users" in html
    assert "worker 1: gen-3" in html
    tab = [row["metric"] for row in tab_rows(summary)]
    assert f"server: {LEAK}" in tab and any(row.startswith("ran on worker 1: gen-3") for row in tab)
    assert json.loads(reports.format_json(summary))["server"]["leaks"] == ["process_open_fds"]


def test_the_csv_has_a_row_per_server_statistic_breakpoint_number_and_host_field():
    rows = {
        (row["Metric"], row["Name"]): row["Value"]
        for row in csv.DictReader(io.StringIO(reports.format_csv(summary_beside_the_load())))
    }
    assert rows[("server_baseline", "process_open_fds")] == "12"
    assert rows[("server_after_drop", "process_open_fds")] == "5012"
    assert rows[("server_returned", "process_open_fds")] == "0.0"
    assert rows[("breakpoint_sustained_users", "")] == "500"
    assert rows[("breakpoint_at_sustained", "connect_p95_ms")] == "4.25"
    assert rows[("host", "worker 1")] == "gen-3"
    assert rows[("host_open_files_limit", "worker 1")] == "512"
