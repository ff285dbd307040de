"""``locustfiles/idle_sweep.py`` against a demo server with a 2 s idle timeout: the sweep finds it,
and the run ends by itself once every hold is done."""

from __future__ import annotations

import re
import time

from .test_locustfiles import run_locust_on_demo


def test_the_idle_sweep_locustfile_finds_the_servers_idle_timeout():
    started = time.monotonic()
    result = run_locust_on_demo(
        "idle_sweep.py",
        ["--idle-timeout", "2", "--idle-action", "drop"],
        *("-u", "8", "-r", "8", "-t", "40s", "--only-summary", "--idle-durations", "0.5,1,3,5"),
    )
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    rows = dict(re.findall(r"^\s+([\d.]+) s\s+(\d+\s+\d+)", output, re.MULTILINE))
    assert rows == {"0.5": "2         2", "1": "2         2", "3": "2         0", "5": "2         0"}, output
    verdict = re.search(r"idle timeout of the path: about ([\d.]+) s \(holds of 1 s survived", output)
    assert verdict, output
    assert 1.9 <= float(verdict.group(1)) < 3.0  # the server's 2 s, within scheduling noise
    assert "lost: 1006 without a close frame x 2" in output
    assert time.monotonic() - started < 30  # it ended by itself once every hold was done, not at -t
