"""Breakpoint runs against a demo server at capacity (``--max-connections``): the sustained count
the summary reports must be the server's limit, within one step, in one process and in a cluster."""

from __future__ import annotations

import csv
import json

import pytest

from locust_ws.demo import start_demo_process, stop_demo_process

from ..support.locust_cluster import locust_cluster
from .test_locustfiles import run_locust

LIMIT = 35
STEP = 10


def breakpoint_locustfile(path, step_time: float):
    path.write_text(
        "from locust import constant_pacing, task\n"
        "from locust_ws import Breakpoint, WebSocketUser\n\n"
        "class Echo(WebSocketUser):\n"
        "    path = '/echo'\n"
        "    wait_time = constant_pacing(1.0)\n\n"
        "    @task\n"
        "    def echo(self):\n"
        "        self.client.request({'op': 'echo'}, name='echo')\n\n"
        "class Find(Breakpoint):\n"
        f"    step = {STEP}\n"
        f"    step_time = {step_time}\n"
        "    max_users = 200\n"
        "    stop_when = ['handshake_failure_rate>1%', 'close_code_1006>0']\n"
    )
    return path


@pytest.fixture
def demo_at_capacity():
    process, url = start_demo_process(["--max-connections", str(LIMIT)])
    yield url
    stop_demo_process(process)


def assert_found_the_limit(found: dict) -> None:
    assert found["found"] is True, found
    assert found["broken_by"] == ["handshake_failure_rate>1%"]
    assert LIMIT - STEP <= found["sustained_users"] <= LIMIT, found
    assert LIMIT - STEP <= found["at_sustained"]["open_connections"] <= LIMIT, found
    assert found["at_sustained"]["handshake_failure_rate"] == 0
    assert found["at_sustained"]["connect_p95_ms"] > 0


def test_a_breakpoint_run_reports_the_connection_limit_of_the_server(demo_at_capacity, tmp_path):
    locustfile = breakpoint_locustfile(tmp_path / "find.py", step_time=3)
    result = run_locust(
        str(locustfile),
        *("--host", demo_at_capacity, "--only-summary"),
        *("--ws-json", str(tmp_path / "ws.json"), "--html", str(tmp_path / "run.html")),
        *("--csv", str(tmp_path / "run")),
    )
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    found = json.loads((tmp_path / "ws.json").read_text())["breakpoint"]
    assert_found_the_limit(found)
    assert f"Breakpoint: sustained {found['sustained_users']} users" in output
    assert f"broke at {found['sustained_users'] + STEP} users" in output
    assert "Breakpoint: sustained" in (tmp_path / "run.html").read_text()
    with (tmp_path / "run_ws.csv").open() as file:
        rows = {(row["Metric"], row["Name"]): row for row in csv.DictReader(file)}
    assert rows[("breakpoint_sustained_users", "")]["Value"] == str(found["sustained_users"])
    assert (
        float(rows[("breakpoint_at_sustained", "open_connections")]["Value"])
        == (found["at_sustained"]["open_connections"])
    )


def test_a_breakpoint_run_in_a_cluster_judges_the_whole_cluster_on_the_master(demo_at_capacity, tmp_path):
    locustfile = breakpoint_locustfile(tmp_path / "find.py", step_time=5)
    with locust_cluster(
        locustfile, ["--host", demo_at_capacity, "--ws-json", str(tmp_path / "ws.json")], tmp_path
    ) as cluster:
        output = cluster.wait(timeout=110)
    assert "Traceback" not in output
    found = json.loads((tmp_path / "ws.json").read_text())["breakpoint"]
    assert_found_the_limit(found)
    assert "broke at" in output
    # What ran where: both workers, each with its limits, versions and share of the load.
    hosts = json.loads((tmp_path / "ws.json").read_text())["hosts"]
    assert [host["worker"] for host in hosts] == ["worker 0", "worker 1"]
    assert sum(host["connections_peak"] for host in hosts) >= found["sustained_users"]
    for host in hosts:
        assert host["planned_users"] >= found["sustained_users"] // 2
        assert host["open_files_limit"] != 0 and host["versions"]["python"]
    assert "Ran on:" in output and "worker 1: " in output
