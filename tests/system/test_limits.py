"""The open-files warning of a real Locust process started with a low limit (the limit arithmetic:
tests/unit/test_limits.py)."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path


def _low_limit() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (300, 300))


def test_a_locust_run_planning_more_users_than_files_warns_at_start(tmp_path: Path):
    locustfile = tmp_path / "idle.py"
    locustfile.write_text(
        "from locust import User, constant, task\n"
        "from locust_ws import add_thresholds  # noqa: F401 - the plugin, as any locust_ws import\n\n\n"
        "class Idle(User):\n"
        "    wait_time = constant(1)\n\n"
        "    @task\n"
        "    def nothing(self):\n"
        "        pass\n"
    )
    command = [sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "-u", "500", "-r", "500"]
    command += ["-t", "1s", "--host", "http://127.0.0.1:9", "--web-port", "0", "--loglevel", "WARNING"]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=60, preexec_fn=_low_limit, check=False
    )
    assert "may open 300 files" in result.stderr
    assert "plans 500 users" in result.stderr
