"""Latency histograms with microsecond resolution: one HdrHistogram per stats row.

Locust keeps response times in whole-millisecond buckets, so loopback and LAN WebSocket latencies
(0.1-0.9 ms) read as 0 or 1. An HdrHistogram keeps every value from 1 us to one hour to three
significant digits in a fixed array of counters, however many samples it takes, and two
histograms add up exactly: that is what lets workers ship their histograms to the master and
the master report cluster-wide percentiles that are as precise as each worker's.

Pure data: no sockets, no gevent.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hdrh.histogram import HdrHistogram

LOWEST_US = 1
HIGHEST_US = 3_600_000_000
"""One hour in microseconds: longer samples are recorded as one hour."""
SIGNIFICANT_FIGURES = 3
"""Values keep three significant digits: exact below 2.048 ms, within 0.1 % above."""
REPORTED_PERCENTILES: tuple[float, ...] = (50.0, 90.0, 95.0, 99.0, 99.9)
"""The percentiles every table, CSV and JSON report shows."""


def _layout(hdr: HdrHistogram) -> tuple[int, int, int, int]:
    """What locating a value's counter takes (``record_ms`` does hdrh's arithmetic inline, with
    ``int.bit_length`` for its ``bin()``-based leading-zero count: a sample is a few integer
    operations instead of six Python calls)."""
    return (
        hdr.unit_magnitude,
        hdr.sub_bucket_mask,
        hdr.sub_bucket_half_count_magnitude,
        hdr.sub_bucket_half_count,
    )


_LAYOUT = _layout(HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_FIGURES))


def percentile_label(percentile: float) -> str:
    """``50.0`` -> ``"p50"``, ``99.9`` -> ``"p99.9"``: how percentiles are named in reports."""
    return f"p{percentile:g}"


@dataclass(frozen=True)
class LatencyStats:
    """What a histogram says about its samples; every time in milliseconds (float)."""

    count: int
    min_ms: float
    avg_ms: float
    max_ms: float
    percentiles_ms: dict[float, float]
    """Percentile (e.g. ``99.9``) -> milliseconds, for ``REPORTED_PERCENTILES``."""


class LatencyHistogram:
    """Latency samples of one row, recorded in whole microseconds.

    Memory is fixed (about 190 KB of counters) whatever the number of samples. The exact sum is
    kept beside the counters so that the average is exact too, and travels with the histogram
    when it is shipped to the master (``to_wire`` / ``from_wire``)."""

    __slots__ = ("_hdr", "total_us")

    def __init__(self, hdr: HdrHistogram | None = None, total_us: int = 0) -> None:
        if hdr is None:
            hdr = HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_FIGURES)
        elif _layout(hdr) != _LAYOUT:
            raise ValueError("not a latency histogram (1 us to 1 h, 3 significant figures)")
        self._hdr = hdr
        self.total_us = total_us

    @property
    def count(self) -> int:
        """Number of samples recorded."""
        count: int = self._hdr.total_count
        return count

    def record_ms(self, milliseconds: float) -> None:
        """Record one latency given in (float) milliseconds; negative values count as 0. The hot
        path of every measurement: ``HdrHistogram.record_value``, inlined."""
        micros = int(milliseconds * 1000.0 + 0.5)
        if micros < 0:
            micros = 0
        elif micros > HIGHEST_US:
            micros = HIGHEST_US
        hdr = self._hdr
        unit_magnitude, sub_bucket_mask, half_count_magnitude, half_count = _LAYOUT
        bucket = (micros | sub_bucket_mask).bit_length() - unit_magnitude - half_count_magnitude - 1
        index = ((bucket + 1) << half_count_magnitude) + (micros >> (bucket + unit_magnitude)) - half_count
        hdr.counts[index] += 1
        hdr.total_count += 1
        if micros < hdr.min_value:
            hdr.min_value = micros
        if micros > hdr.max_value:
            hdr.max_value = micros
        self.total_us += micros

    def merge(self, other: LatencyHistogram) -> None:
        """Add every sample of ``other`` to this histogram (exact: the counters add up)."""
        if other.count:
            self._hdr.add(other._hdr)
            self.total_us += other.total_us

    def percentiles_ms(self, percentiles: Iterable[float]) -> dict[float, float]:
        """Percentile -> milliseconds (the highest value equivalent to the sample at that rank)."""
        wanted = list(percentiles)
        if not self.count:
            return dict.fromkeys(wanted, 0.0)
        values = self._hdr.get_percentile_to_value_dict(wanted)
        return {percentile: values[percentile] / 1000.0 for percentile in wanted}

    def percentile_ms(self, percentile: float) -> float:
        """One percentile (0-100) in milliseconds."""
        return self.percentiles_ms([percentile])[percentile]

    @property
    def min_ms(self) -> float:
        """The smallest sample in milliseconds (microsecond resolution); 0.0 with no samples."""
        return self._hdr.get_min_value() / 1000.0 if self.count else 0.0

    @property
    def max_ms(self) -> float:
        """The largest sample in milliseconds, within the histogram's precision; 0.0 with no samples."""
        max_us: int = self._hdr.get_max_value()
        return max_us / 1000.0

    @property
    def avg_ms(self) -> float:
        """The mean of the samples in milliseconds, from their exact sum in microseconds; 0.0 with none."""
        return self.total_us / self.count / 1000.0 if self.count else 0.0

    def stats(self, percentiles: Sequence[float] = REPORTED_PERCENTILES) -> LatencyStats:
        """A summary of the samples: count, min, average, percentiles and max in milliseconds."""
        return LatencyStats(
            count=self.count,
            min_ms=self.min_ms,
            avg_ms=self.avg_ms,
            max_ms=self.max_ms,
            percentiles_ms=self.percentiles_ms(percentiles),
        )

    def to_wire(self) -> list[str | int]:
        """``[encoded counters, exact sum in us]``: compact (compressed, base64) and msgpack-safe."""
        encoded = self._hdr.encode()
        return [encoded.decode("ascii") if isinstance(encoded, bytes) else encoded, self.total_us]

    @classmethod
    def from_wire(cls, wire: Sequence[str | int]) -> LatencyHistogram:
        """The histogram ``to_wire`` produced (raises ``ValueError`` for anything else)."""
        try:
            encoded, total_us = wire
            return cls(HdrHistogram.decode(encoded), int(total_us))
        except Exception as error:  # noqa: BLE001 - the codec raises several unrelated types
            raise ValueError(f"not an encoded latency histogram: {error}") from None


def merged(histograms: Iterable[LatencyHistogram]) -> LatencyHistogram:
    """A new histogram holding the samples of all ``histograms``."""
    total = LatencyHistogram()
    for histogram in histograms:
        total.merge(histogram)
    return total


def format_ms(milliseconds: float | None) -> str:
    """Milliseconds with sub-millisecond precision where it matters: ``0.312``, ``21.4``, ``1530``."""
    if milliseconds is None or math.isnan(milliseconds):
        return "-"
    if milliseconds < 10:
        return f"{milliseconds:.3f}"
    if milliseconds < 100:
        return f"{milliseconds:.2f}"
    if milliseconds < 1000:
        return f"{milliseconds:.1f}"
    return f"{milliseconds:.0f}"
