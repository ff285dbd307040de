"""LatencyHistogram: microsecond resolution, exact merges, a compact wire format."""

from __future__ import annotations

import random

import pytest

from locust_ws import LatencyHistogram
from locust_ws.metrics.histograms import HIGHEST_US, format_ms, merged


def test_sub_millisecond_samples_keep_microsecond_precision():
    histogram = LatencyHistogram()
    for milliseconds in (0.3, 0.3, 0.3, 0.25, 0.9):
        histogram.record_ms(milliseconds)
    assert histogram.percentile_ms(50) == 0.3
    assert histogram.min_ms == 0.25
    assert histogram.max_ms == 0.9
    assert histogram.avg_ms == pytest.approx(0.41)


def test_larger_values_keep_three_significant_digits():
    histogram = LatencyHistogram()
    histogram.record_ms(20.4)
    assert histogram.percentile_ms(50) == pytest.approx(20.4, rel=1e-3)


def test_merge_of_two_workers_equals_the_histogram_of_all_samples():
    rng = random.Random(6)
    samples = [rng.lognormvariate(-1.0, 1.5) for _ in range(20_000)]  # ~0.05 ms to seconds
    everything, worker_a, worker_b = LatencyHistogram(), LatencyHistogram(), LatencyHistogram()
    for index, sample in enumerate(samples):
        everything.record_ms(sample)
        (worker_a if index % 3 else worker_b).record_ms(sample)
    # As on a master: each worker's histogram arrives encoded and is added to the cluster's.
    cluster = merged(LatencyHistogram.from_wire(worker.to_wire()) for worker in (worker_a, worker_b))
    assert cluster.to_wire() == everything.to_wire()  # every counter and the exact sum
    assert cluster.count == len(samples)
    percentiles = (50, 90, 95, 99, 99.9)
    assert cluster.percentiles_ms(percentiles) == everything.percentiles_ms(percentiles)
    assert (cluster.min_ms, cluster.max_ms, cluster.avg_ms) == (
        everything.min_ms,
        everything.max_ms,
        everything.avg_ms,
    )


def test_wire_format_is_small_and_round_trips():
    histogram = LatencyHistogram()
    for value in range(1, 5000):
        histogram.record_ms(value / 100)
    wire = histogram.to_wire()
    assert len(wire[0]) < 10_000  # compressed counters, not 190 KB
    assert LatencyHistogram.from_wire(wire).stats() == histogram.stats()


def test_out_of_range_samples_are_clamped_not_lost():
    histogram = LatencyHistogram()
    histogram.record_ms(-1.0)
    histogram.record_ms(HIGHEST_US / 1000 * 10)
    assert histogram.count == 2
    assert histogram.min_ms == 0.0
    assert histogram.max_ms == pytest.approx(HIGHEST_US / 1000, rel=1e-3)


def test_garbage_on_the_wire_is_a_value_error():
    with pytest.raises(ValueError, match="not an encoded latency histogram"):
        LatencyHistogram.from_wire(["not base64 at all", 0])


def test_empty_histogram_reports_zeros():
    stats = LatencyHistogram().stats()
    assert stats.count == 0
    assert stats.percentiles_ms[99.0] == 0.0


@pytest.mark.parametrize(
    ("milliseconds", "text"),
    [(0.3, "0.300"), (21.456, "21.46"), (153.25, "153.2"), (1530.4, "1530"), (None, "-")],
)
def test_format_ms_shows_sub_millisecond_digits(milliseconds, text):
    assert format_ms(milliseconds) == text
