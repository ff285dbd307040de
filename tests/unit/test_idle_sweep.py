"""Idle sweeps, the pure parts: one stable failure text per way a held connection dies, and a
verdict that brackets the idle timeout and estimates it by the first death."""

from __future__ import annotations

import pytest

from locust_ws import IdleDisconnect
from locust_ws.patterns.idle import IdleGroup, death_text, format_idle_sweep, hold_label, idle_timeout_verdict


@pytest.mark.parametrize(
    ("code", "reason", "text"),
    [
        (1001, "idle timeout", "closed by the server with 1001 (idle timeout)"),
        (1000, "", "closed by the server with 1000"),
        (1006, "reset", "lost: 1006 without a close frame"),
        (None, "", "lost: 1006 without a close frame"),
        (4000, "x" * 100 + "\x00", "closed by the server with 4000 (" + "x" * 40 + ")"),
    ],
)
def test_death_texts_are_stable_per_way_to_die(code, reason, text):
    assert death_text(code, reason) == text


def group(duration, holds, survived, first_death=None):
    how = {"closed by the server with 1001": holds - survived} if holds > survived else {}
    return IdleGroup(duration, holds, survived, how, first_death)


@pytest.mark.parametrize(
    ("groups", "verdict"),
    [
        (
            [group(10, 3, 3), group(20, 3, 3)],
            "no idle timeout up to 20 s: every connection survived every hold",
        ),
        (
            [group(10, 3, 3), group(20, 3, 3), group(40, 3, 0, 25.2), group(80, 3, 0, 25.1)],
            "idle timeout of the path: about 25.1 s (holds of 20 s survived, holds of 40 s and longer "
            "died, mostly closed by the server with 1001)",
        ),
        (
            [group(10, 3, 1, 4.0), group(20, 3, 0, 4.5)],
            "idle timeout of the path: about 4.0 s (holds of 10 s and longer died, mostly closed by the "
            "server with 1001)",
        ),
        ([group(10, 0, 0)], "no idle hold finished"),
    ],
)
def test_the_verdict_brackets_the_timeout_and_estimates_it_by_the_first_death(groups, verdict):
    assert idle_timeout_verdict(groups) == verdict


def test_the_sweep_table_has_a_line_per_duration_and_the_verdict():
    table = format_idle_sweep([group(40, 2, 0, 25.0), group(10, 2, 2)])
    lines = table.splitlines()
    assert lines[2].split()[:4] == ["10", "s", "2", "2"]
    assert "25.0 s" in lines[3] and "closed by the server with 1001 x 2" in lines[3]
    assert lines[-1].startswith("idle timeout of the path: about 25.0 s")
    assert hold_label(7.5) == "idle 7.5s"


def test_idle_disconnect_is_a_locust_ws_failure():
    assert issubclass(IdleDisconnect, Exception) and "1001" in str(IdleDisconnect(death_text(1001, "")))
