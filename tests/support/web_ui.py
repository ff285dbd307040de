"""Locust with its web UI for the browser tests: a run on a free loopback port, and the check that
Chromium and playwright are there (skipped without them, except in CI, where they must be)."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from .locust_cluster import free_port
from .paths import ROOT


def require_browser() -> None:
    """Skip without Chromium or playwright, except in CI (CI=true), where .ci/run installs both
    and their absence must fail the build."""
    missing = [
        what
        for what, present in (
            ("chromium (apt-get install chromium)", shutil.which("chromium") is not None),
            ("playwright (pip install -e .[test])", importlib.util.find_spec("playwright") is not None),
        )
        if not present
    ]
    if missing:
        message = "the web UI browser test needs " + " and ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def wait_for_web_ui(url: str, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            assert process.poll() is None, "locust exited before its web UI came up"
            assert time.monotonic() < deadline, "the web UI did not come up"
            time.sleep(0.2)


@contextlib.contextmanager
def web_ui_run(locustfile: Path, args: Sequence[str], tmp_path: Path) -> Iterator[str]:
    """``locust -f locustfile --autostart`` with its web UI on a free loopback port, stopped on
    the way out; yields the web UI's URL once it answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with (tmp_path / "locust.log").open("w") as log:
        locust = subprocess.Popen(
            [
                *(sys.executable, "-m", "locust", "-f", str(locustfile), "--autostart"),
                *("--web-host", "127.0.0.1", "--web-port", str(port), *args),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        try:
            wait_for_web_ui(url, locust)
            yield url
        finally:
            locust.terminate()
            locust.wait(timeout=30)
