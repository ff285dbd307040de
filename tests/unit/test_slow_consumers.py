"""Slow consumers, the pure parts: the receive pacer's pauses, gaps in sequence numbers counted as
missed, and the verdict naming what the server did."""

from __future__ import annotations

import pytest

from locust_ws.patterns.pacing import ReceivePacer
from locust_ws.patterns.slow_consumers import ReaderStats, slow_consumer_verdict


def test_the_receive_pacer_pauses_for_what_was_read_and_saves_nothing_up():
    pacer = ReceivePacer(rate=10)
    assert pacer.pause_after(5, now=100.0) == pytest.approx(0.5)
    assert pacer.pause_after(1, now=100.5) == pytest.approx(0.1)
    assert pacer.pause_after(1, now=200.0) == pytest.approx(0.1)  # waited for data: no credit
    with pytest.raises(ValueError, match="receive rate"):
        ReceivePacer(0)


def test_reader_stats_count_gaps_in_the_sequence_as_missed():
    reading = ReaderStats()
    for seq in (1, 2, 5, 6, 10):
        reading.saw(seq)
    assert (reading.received, reading.missed, reading.last_seq) == (5, 5, 10)


@pytest.mark.parametrize(
    ("readers", "verdict"),
    [
        ([ReaderStats(10, 0, 400.0, 1008)], "disconnects slow consumers (close codes 1008)"),
        ([ReaderStats(10, 42, 1500.0)], "drops messages for slow consumers: 42 missed"),
        ([ReaderStats(10, 0, 7000.0)], "buffers for slow consumers without bound"),
        ([ReaderStats(10, 0, 500.0)], "waits for slow consumers (backpressure)"),
        ([], "no slow reader ran"),
    ],
)
def test_the_verdict_names_what_the_server_did(readers, verdict):
    assert slow_consumer_verdict(readers, read_for_s=8).startswith(verdict)
