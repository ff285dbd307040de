"""locustfiles/socketio_rooms.py, headless against the auto-started demo server: round-robin rooms
with the cooldown respected get every join accepted; the naive herd gets rate limited."""

from __future__ import annotations

import re

from .test_locustfiles import run_locust

SUMMARY = re.compile(
    r"socketio_rooms summary: mode=(\S+) joins=(\d+) rejected=(\d+) \(cooldown=(\d+), room_full=(\d+)\)"
)


def summary(output: str) -> tuple[str, int, int, int, int]:
    match = SUMMARY.search(output)
    assert match, output[-3000:]
    mode, *numbers = match.groups()
    return (mode, *map(int, numbers))


def test_round_robin_rooms_with_cooldown_are_never_rate_limited():
    result = run_locust("socketio_rooms.py", "-u", "40", "-r", "40", "-t", "10s", "--only-summary")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output  # no failure entry at all
    mode, joins, rejected, cooldown, room_full = summary(output)
    assert mode == "round-robin"
    assert joins >= 40 * 3  # everyone joined at start, at 3 s and at 6 s
    assert (rejected, cooldown, room_full) == (0, 0, 0)
    assert "recv rate_limited" not in output
    assert "fanout" in output and "Traceback" not in output


def test_naive_herd_is_rate_limited():
    result = run_locust("socketio_rooms.py", "-u", "40", "-r", "40", "-t", "6s", "--only-summary", "--naive")
    output = result.stdout + result.stderr
    mode, joins, rejected, cooldown, room_full = summary(output)
    assert mode == "naive"
    assert rejected > 0 and cooldown > 0 and room_full > 0
    assert rejected == cooldown + room_full <= joins
    assert "recv rate_limited" in output
    assert "Traceback" not in output
