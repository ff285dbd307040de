"""What ran where in a whole run: the single process describes itself in every report, and warns
when its users cannot fit under its open-files limit."""

from __future__ import annotations

import json
import resource
import subprocess
import sys

from ..support.paths import ROOT

ECHO = ROOT / "locustfiles" / "echo.py"
HARD_LIMIT = 200


def _low_open_files_limit() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (HARD_LIMIT, HARD_LIMIT))


def test_a_single_process_reports_its_host_and_warns_when_its_users_exceed_the_open_files_limit(
    demo_url, tmp_path
):
    result = subprocess.run(
        [
            *(sys.executable, "-m", "locust", "-f", str(ECHO), "--headless", "--host", demo_url),
            *("-u", "150", "-r", "150", "-t", "3s", "--only-summary"),
            *("--ws-json", str(tmp_path / "ws.json"), "--html", str(tmp_path / "run.html")),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
        preexec_fn=_low_open_files_limit,
    )
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    (host,) = json.loads((tmp_path / "ws.json").read_text())["hosts"]
    assert host["worker"] == "local" and host["open_files_limit"] == HARD_LIMIT
    assert host["planned_users"] == 150
    assert host["warnings"] == [
        f"local ({host['host']}) planned 150 users but may open {HARD_LIMIT} files (ulimit -n): "
        "connections beyond that fail with 'Too many open files'"
    ]
    assert f"WARNING: {host['warnings'][0]}" in output
    assert f"local: {host['host']} pid {host['pid']}, open files {HARD_LIMIT}" in output
    assert host["warnings"][0].replace("'", "&#x27;") in (tmp_path / "run.html").read_text()
