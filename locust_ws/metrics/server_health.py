"""The target's own health beside the load: series scraped from its Prometheus endpoint, and the
leak verdict.

A load test that reports only client-side numbers cannot tell a server that copes from one that
copes while leaking a file descriptor per connection. ``ServerHealth`` keeps, per watched series,
the value before the load (the baseline), the peak, the last value, and what happened after the
user count last dropped (the end of the run or a ramp-down stage): a gauge that does not come back
to within the tolerance of its baseline within the settle time is reported as a possible leak.

Pure: the scrape (I/O, gevent) lives in ``locust_ws.server_scrape``; this module parses the text it
fetched (with ``prometheus_client``'s parser, the reference one) and is given the time and the user
count, so every rule here is a unit test.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from prometheus_client.parser import text_string_to_metric_families

from .summary_types import ServerSeriesSummary

DEFAULT_SERIES: tuple[str, ...] = (
    "process_open_fds",
    "process_resident_memory_bytes",
    "process_cpu_seconds_total",
    "go_goroutines",
    "go_threads",
    "jvm_threads_current",
    "nodejs_active_handles_total",
    "demo_open_connections",
)
"""Watched when no ``--ws-server-metric`` is given, each only when the target exposes it: open file
descriptors, resident memory, CPU time, and the thread/goroutine/handle count of Go, the JVM and
Node.js exporters (plus the demo server's open connections)."""

DEFAULT_TOLERANCE = 0.1
"""A series has returned once it is within this fraction of its rise (peak minus baseline), or of
the baseline when that is larger, of the baseline: an allocator keeps some memory, a pool some
descriptors; a leak keeps nearly all."""
DEFAULT_SETTLE_S = 10.0
"""Seconds after the user count drops that a series has to come back."""
SERVER_PREFIX = "server:"
"""Thresholds on a series: ``server:process_open_fds<10000`` (its peak), ``server:NAME:leak<1``."""


class ScrapeError(ValueError):
    """The endpoint answered with something that is not Prometheus text."""


def parse_samples(text: str, names: Iterable[str]) -> dict[str, float]:
    """The value of each of ``names`` in Prometheus exposition ``text``, summed over label sets (a
    family such as ``process_open_fds`` has one; ``http_connections{route=...}`` sums to the total).
    A name matches a sample's name (``process_cpu_seconds_total``) or its family's. Names the
    target does not expose are left out; text the parser refuses raises ``ScrapeError``."""
    wanted = set(names)
    values: dict[str, float] = {}
    try:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                name = sample.name if sample.name in wanted else family.name
                if name in wanted:
                    values[name] = values.get(name, 0.0) + float(sample.value)
    except (ValueError, TypeError, IndexError, KeyError) as error:
        raise ScrapeError(f"not Prometheus text: {error}") from None
    return values


def is_counter(name: str) -> bool:
    """Counters only grow (CPU seconds, requests): they have no baseline to return to."""
    return name.endswith(("_total", "_count", "_sum", "_created"))


@dataclass
class SeriesTrack:
    """One series over the run, in the target's unit (bytes, seconds, a count)."""

    name: str
    baseline: float | None = None
    peak: float | None = None
    last: float | None = None
    samples: int = 0
    drop_at: float | None = None
    """When the user count last fell, if it did after load."""
    lowest_after_drop: float | None = None
    returned_at: float | None = None
    """When, after the last drop, the series first came back within tolerance of its baseline."""

    def add(self, value: float, now: float, loaded: bool, tolerance: float) -> None:
        self.samples += 1
        self.last = value
        if not loaded and self.drop_at is None and self.peak is None:
            # Before any load: the baseline is the lowest value seen (a warm-up may allocate).
            self.baseline = value if self.baseline is None else min(self.baseline, value)
            return
        if self.baseline is None:  # the first scrape came after the load began
            self.baseline = value
        self.peak = value if self.peak is None else max(self.peak, value)
        if self.drop_at is not None and now >= self.drop_at:
            low = self.lowest_after_drop
            self.lowest_after_drop = value if low is None else min(low, value)
            if self.returned_at is None and self.within(value, tolerance):
                self.returned_at = now

    def within(self, value: float, tolerance: float) -> bool:
        """Is ``value`` back within ``tolerance`` of the baseline? The tolerance is a fraction of the
        rise or of the baseline, whichever is larger: memory that grew by a few pages over 40 MB has
        returned, 30 descriptors more than 8 have not."""
        if self.baseline is None or self.peak is None:
            return True
        rise = self.peak - self.baseline
        return value - self.baseline <= max(rise, abs(self.baseline)) * tolerance

    def leaked(self, now: float, tolerance: float, settle_s: float) -> bool | None:
        """``True`` when the series did not return within ``settle_s`` of the last drop; ``None``
        while there is nothing to judge yet (no drop, a counter, or still inside the settle time)."""
        if is_counter(self.name) or self.drop_at is None or self.baseline is None:
            return None
        if self.returned_at is not None and self.returned_at - self.drop_at <= settle_s:
            return False
        if now - self.drop_at < settle_s:
            return None
        return True


@dataclass
class ServerHealth:
    """Every watched series of every scraped target, fed by ``observe``; thresholds read ``value``."""

    names: Sequence[str] = DEFAULT_SERIES
    tolerance: float = DEFAULT_TOLERANCE
    settle_s: float = DEFAULT_SETTLE_S
    tracks: dict[str, SeriesTrack] = field(default_factory=dict)
    """By ``target name`` when more than one target is scraped, else by name."""
    users_peak: int = 0
    _users: int = 0

    def users(self, count: int, now: float) -> None:
        """The current user count: any fall (the end of the run, a ramp-down stage) starts the settle
        time again, so the verdict is about the last drop."""
        if count < self._users and self.users_peak > 0:
            for track in self.tracks.values():
                track.drop_at = now
                track.returned_at = None
                track.lowest_after_drop = None
        self._users = count
        self.users_peak = max(self.users_peak, count)

    def observe(self, key: str, value: float, now: float) -> None:
        """One scraped value of series ``key``."""
        track = self.tracks.get(key)
        if track is None:
            track = self.tracks[key] = SeriesTrack(key.rpartition(" ")[2])
            if self.users_peak and self._users < self.users_peak:
                track.drop_at = now  # first seen after a drop: judge from now
        track.add(value, now, self.users_peak > 0, self.tolerance)

    def settled(self, now: float) -> bool:
        """No verdict is pending any more: every gauge returned or its settle time ran out."""
        return all(
            track.leaked(now, self.tolerance, self.settle_s) is not None
            for track in self.tracks.values()
            if not is_counter(track.name) and track.drop_at is not None
        )

    def leaks(self, now: float) -> list[str]:
        """The series that did not return to their baseline."""
        return [key for key, track in self.tracks.items() if track.leaked(now, self.tolerance, self.settle_s)]

    def value(self, metric: str, now: float) -> float | None:
        """``server:NAME`` is the peak (the baseline when no load came); ``server:NAME:leak`` is 1
        or 0 (``None`` before a verdict); ``server_leaks`` counts the leaking series."""
        if metric == "server_leaks":
            return float(len(self.leaks(now))) if self.tracks else None
        name, _, statistic = metric.removeprefix(SERVER_PREFIX).partition(":")
        tracks = [track for key, track in self.tracks.items() if name in (key, track.name)]
        if statistic == "leak":
            verdicts = [track.leaked(now, self.tolerance, self.settle_s) for track in tracks]
            return None if not tracks or None in verdicts else float(any(verdicts))
        values = [track.peak if track.peak is not None else track.last for track in tracks]
        present = [value for value in values if value is not None]
        return max(present) if present else None

    def summary(self, now: float) -> list[ServerSeriesSummary]:
        """The rows every report shows, in scrape order."""
        rows: list[ServerSeriesSummary] = []
        for key, track in self.tracks.items():
            leaked = track.leaked(now, self.tolerance, self.settle_s)
            rows.append(
                {
                    "series": key,
                    "baseline": track.baseline,
                    "peak": track.peak,
                    "last": track.last,
                    "after_drop": track.lowest_after_drop,
                    "samples": track.samples,
                    "returned": None if leaked is None else not leaked,
                    "verdict": verdict_text(key, track, leaked),
                }
            )
        return rows


def verdict_text(key: str, track: SeriesTrack, leaked: bool | None) -> str:
    """``process_open_fds 5,012 after ramp-down vs 12 before: did not return (leak?)``."""
    if is_counter(track.name):
        return f"{key} {_number(track.last)} (a counter: no baseline to return to)"
    if leaked is None:
        return f"{key} {_number(track.last)} now vs {_number(track.baseline)} before"
    after = track.lowest_after_drop if track.lowest_after_drop is not None else track.last
    judged = "did not return (leak?)" if leaked else "returned"
    return f"{key} {_number(after)} after ramp-down vs {_number(track.baseline)} before: {judged}"


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:,.3g}"
