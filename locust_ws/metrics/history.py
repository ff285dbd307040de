"""The series the web UI tab and the HTML report chart over time, sampled every few seconds.

Locust's Charts tab keeps one point per poll; so does ``ChartHistory``: each sample holds the open
connections (the cluster's and each worker's), the live traffic rates and, per kind, p50 and p99 of
the events of the last ``LATENCY_WINDOW`` samples (``KindLatencyWindow``: the latency of now, not
of the whole run). Bounded twice: once ``max_samples`` are held every other one is dropped and the
sampling interval doubles, so a day-long run costs what an hour does; and a cluster of 100 workers
charts its ``MAX_WORKER_SERIES`` busiest and one ``others`` sum. Pure data, clock passed in.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

from .histograms import LatencyHistogram
from .summary_types import ChartsSummary, KindPercentiles

SAMPLE_INTERVAL_S = 2.0
"""As often as Locust's web UI polls its stats."""
MAX_SAMPLES = 1800
MAX_WORKER_SERIES = 8
OTHERS = "others"
LATENCY_WINDOW = 3
"""Samples whose events the percentiles cover: on a master, workers report every 3 s, so a window
of 3 samples (6 s) always holds a report and the line has no holes."""
MAX_WINDOW_SAMPLES = 200_000
"""Latencies of one kind kept per sample: 100,000 events a second for 2 s."""


class KindLatencyWindow:
    """Latencies per kind for the current sample and the ``intervals - 1`` before it.

    This process's own events are kept as plain lists of milliseconds (an append is the cheapest
    thing the collector's hot path can do; a histogram record costs several times more) and
    ranked when a sample is taken; the histograms a master merges from its workers' reports are
    added to those. At most ``MAX_WINDOW_SAMPLES`` of a kind are kept per sample: the chart of a
    process that stopped sampling must not grow without end."""

    def __init__(self, intervals: int = LATENCY_WINDOW) -> None:
        self._current: dict[str, list[float]] = {}
        self._merged: dict[str, LatencyHistogram] = {}
        self._past: deque[tuple[dict[str, list[float]], dict[str, LatencyHistogram]]] = deque(
            maxlen=intervals - 1
        )

    def record_ms(self, kind: str, milliseconds: float) -> None:
        """One event's response time (the collector's hot path: one lookup, one append)."""
        samples = self._current.get(kind)
        if samples is None:
            samples = self._current[kind] = []
        elif len(samples) >= MAX_WINDOW_SAMPLES:
            return
        samples.append(milliseconds)

    def merge(self, kind: str, histogram: LatencyHistogram) -> None:
        """A worker's samples of ``kind`` (its report's row histograms)."""
        merged = self._merged.get(kind)
        if merged is None:
            merged = self._merged[kind] = LatencyHistogram()
        merged.merge(histogram)

    def roll(self) -> dict[str, tuple[float, float]]:
        """p50 and p99 (ms) per kind over the window, then a new sample starts."""
        windows = [*self._past, (self._current, self._merged)]
        percentiles = {}
        for kind in sorted({kind for samples, merged in windows for kind in (*samples, *merged)}):
            values = [value for samples, _ in windows for value in samples.get(kind, ())]
            histograms = [merged[kind] for _, merged in windows if kind in merged]
            if histograms:
                total = LatencyHistogram()
                for histogram in histograms:
                    total.merge(histogram)
                for value in values:
                    total.record_ms(value)
                if total.count:
                    p50, p99 = total.percentiles_ms([50, 99]).values()
                    percentiles[kind] = (p50, p99)
            elif values:
                values.sort()
                percentiles[kind] = (_nearest_rank(values, 50), _nearest_rank(values, 99))
        self._past.append((self._current, self._merged))
        self._current, self._merged = {}, {}
        return percentiles


def _nearest_rank(ordered: list[float], percentile: float) -> float:
    """The smallest sample with at least ``percentile`` % of the samples at or below it."""
    rank = max(math.ceil(percentile / 100.0 * len(ordered)), 1)
    return ordered[rank - 1]


@dataclass
class ChartSample:
    """What the charts show at one moment."""

    time: float
    open_connections: int
    workers: dict[str, int]
    rates: tuple[float, float, float, float]
    """Messages in, messages out, bytes in, bytes out per second."""
    latency: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Kind -> (p50, p99) in milliseconds."""


def thin(samples: list[ChartSample]) -> list[ChartSample]:
    """Every other sample, the latest kept (it is the one the tab shows as now)."""
    kept = samples[-1::-2]
    kept.reverse()
    return kept


def _by_label(name: str) -> tuple[int, str]:
    """ "worker 2" before "worker 10", as the summary's per-worker rows are."""
    return len(name), name


def bound_series(series: dict[str, list[int | None]], limit: int) -> dict[str, list[int | None]]:
    """The ``limit`` series with the highest peak (ties by name), in name order, and the others
    summed as one ``OTHERS`` series (a value per sample where any of them had one)."""
    if len(series) <= limit:
        return series
    ranked = sorted(series, key=lambda name: (-max((value or 0 for value in series[name]), default=0), name))
    kept = {name: series[name] for name in sorted(ranked[:limit], key=_by_label)}
    rest = [series[name] for name in ranked[limit:]]
    kept[OTHERS] = [
        None if all(value is None for value in values) else sum(value or 0 for value in values)
        for values in zip(*rest, strict=True)
    ]
    return kept


class ChartHistory:
    """The samples of one run, at most ``max_samples``, every ``interval_s`` seconds."""

    def __init__(self, max_samples: int = MAX_SAMPLES, interval_s: float = SAMPLE_INTERVAL_S) -> None:
        self.max_samples = max_samples
        self.interval_s = interval_s
        self.samples: list[ChartSample] = []

    def add(self, sample: ChartSample) -> None:
        """Keep ``sample``; when full, drop every other sample and sample half as often."""
        self.samples.append(sample)
        if len(self.samples) > self.max_samples:
            self.samples = thin(self.samples)
            self.interval_s *= 2

    def summary(self, max_workers: int = MAX_WORKER_SERIES) -> ChartsSummary:
        """The samples as one column per series, JSON-ready."""
        samples = self.samples
        workers: dict[str, list[int | None]] = {
            name: [sample.workers.get(name) for sample in samples]
            for name in sorted({name for sample in samples for name in sample.workers}, key=_by_label)
        }
        kinds = sorted({kind for sample in samples for kind in sample.latency})
        latency: dict[str, KindPercentiles] = {
            kind: {
                "p50_ms": [sample.latency[kind][0] if kind in sample.latency else None for sample in samples],
                "p99_ms": [sample.latency[kind][1] if kind in sample.latency else None for sample in samples],
            }
            for kind in kinds
        }
        return {
            "interval_s": self.interval_s,
            "time": [sample.time for sample in samples],
            "open_connections": [sample.open_connections for sample in samples],
            "workers": bound_series(workers, max_workers),
            "messages_in_per_s": [sample.rates[0] for sample in samples],
            "messages_out_per_s": [sample.rates[1] for sample in samples],
            "bytes_in_per_s": [sample.rates[2] for sample in samples],
            "bytes_out_per_s": [sample.rates[3] for sample in samples],
            "latency": latency,
        }
