"""The open-files limit: raised to the hard limit in every Locust process, and a clear warning
when it is below the users a process plans."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

from locust_ws.cluster.open_files import SPARE_FILES, open_files_warning, raise_open_files_limit


def test_enough_files_means_no_warning():
    assert open_files_warning(20_000, 20_000, 10_000) is None
    assert open_files_warning(1024, 1024, 0) is None


def test_too_few_files_is_a_warning_that_says_what_to_do():
    warning = open_files_warning(1024, 4096, 5000)
    assert warning is not None
    assert "1024" in warning and "5000 users" in warning
    assert f"beyond about {1024 - SPARE_FILES}" in warning
    assert "ulimit -Hn" in warning and "--processes" in warning


def test_soft_limit_is_raised_to_the_hard_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft, 512), hard))
    try:
        assert raise_open_files_limit() == (hard, hard)
        assert resource.getrlimit(resource.RLIMIT_NOFILE) == (hard, hard)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


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
