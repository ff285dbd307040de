"""``locustfiles/slow_consumers.py`` against a demo server that drops what slow readers cannot take:
the run names that behaviour and reports the slow readers' lag on its own row."""

from __future__ import annotations

from .test_locustfiles import run_locust_on_demo


def test_the_slow_consumers_locustfile_names_the_servers_behaviour():
    result = run_locust_on_demo(
        "slow_consumers.py",
        ["--slow-consumer", "drop", "--send-buffer", "16384"],
        *("-u", "5", "-r", "5", "-t", "8s", "--only-summary"),
    )
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert "server: drops messages for slow consumers" in output, output
    assert "server push (slow reader)" in output
