"""ConnectPacer and the handshake-timestamp measures (peak rate, recovery time). Pure, no sockets."""

import math
import random

import pytest

from locust_ws import peak_rate, recovery_time
from locust_ws.patterns.pacing import ConnectPacer


def start_all(pacer: ConnectPacer, arrivals: list[float]) -> list[float]:
    """When handshakes wanting to start at ``arrivals`` start, going single file through ``pacer``."""
    starts, now = [], -math.inf
    for arrival in arrivals:
        now = max(now, arrival)
        now += pacer.wait_time(now)
        pacer.started(now)
        starts.append(now)
    return starts


def test_a_burst_is_spread_one_start_per_interval():
    assert start_all(ConnectPacer(rate=10), [100.0] * 5) == pytest.approx([100.0, 100.1, 100.2, 100.3, 100.4])


def test_idle_time_saves_up_no_burst():
    pacer = ConnectPacer(rate=4)
    start_all(pacer, [0.0])
    assert start_all(pacer, [60.0, 60.0]) == pytest.approx([60.0, 60.25])


def test_a_late_start_pushes_the_next_one_back():
    pacer = ConnectPacer(rate=10)
    pacer.started(0.0)
    assert pacer.wait_time(0.05) == pytest.approx(0.05)
    pacer.started(0.5)  # the process stalled: this one started late
    assert pacer.wait_time(0.5) == pytest.approx(0.1)  # the next still waits a full interval


def test_no_window_ever_holds_more_than_the_rate():
    rng = random.Random(5)
    arrivals, now = [], 0.0
    for _ in range(500):  # herds of arrivals at random moments
        now += rng.choice([0.0, 0.0, 0.001, 0.3, 2.0])
        arrivals.append(now)
    assert peak_rate(start_all(ConnectPacer(rate=20), arrivals)) <= 20


def test_rate_zero_means_no_cap_and_bad_rates_are_rejected():
    pacer = ConnectPacer()
    pacer.started(1.0)
    assert pacer.wait_time(1.0) == 0.0
    for rate in (-1, math.nan, math.inf):
        with pytest.raises(ValueError, match="connect rate"):
            ConnectPacer(rate)


def test_a_new_rate_applies_to_the_next_start():
    pacer = ConnectPacer(rate=1)
    pacer.started(0.0)
    pacer.rate = 10
    assert pacer.wait_time(0.0) == pytest.approx(0.1)


def test_peak_rate_counts_the_busiest_window():
    assert peak_rate([]) == 0
    assert peak_rate([0.0, 0.5, 0.99, 1.0, 1.5]) == 3  # [0, 1) holds 0, 0.5, 0.99
    assert peak_rate([0.0, 0.05, 0.5], window=0.1) == pytest.approx(20.0)
    with pytest.raises(ValueError):
        peak_rate([1.0], window=0)


def test_recovery_time_is_the_share_th_handshake_after_the_drop():
    before = [1.0, 2.0]  # handshakes of the first connects do not count
    after = [10.0 + 0.1 * number for number in range(1, 21)]
    assert recovery_time(before + after, dropped_at=10.0, expected=20) == pytest.approx(1.9)  # 19th of 20
    assert recovery_time(before + after, dropped_at=10.0, expected=20, share=1.0) == pytest.approx(2.0)
    assert recovery_time(after[:10], dropped_at=10.0, expected=20) is None
    assert recovery_time([], dropped_at=10.0, expected=0) == 0.0
