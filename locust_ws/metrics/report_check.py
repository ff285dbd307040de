"""A worker's report as the master receives it, checked before any of it is merged.

The master merges whatever arrives on its worker port, and the merged numbers decide the run's
verdict: a negative counter from a broken (or hostile) worker could make ``failures<1`` pass, a
counters field that is not a mapping would raise inside the plugin on every report. So a report is
checked field by field, and merged only whole: ``check_report`` returns it decoded (histograms
included) or raises ``MalformedReport`` saying what is wrong, and ``WebSocketMetrics.merge_report``
drops such a report, logging it once per worker. Counters a worker does not send (an older
version) count as 0, and so do its per-tag rows (``tagged``); counters the master does not know are
ignored. Tags are checked as sessions make them (``events.make_tags``). Pure: no sockets, no gevent.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from ..sessions.events import Tags, make_tags
from .histograms import LatencyHistogram

MAX_CLOSE_CODE = 65535
MAX_NAME_LENGTH = 1000
"""Longer row names are refused: no session makes them, and each would be kept."""


class MalformedReport(ValueError):
    """What is wrong with a worker's report (the text says which field)."""


@dataclass
class CheckedRow:
    request_type: str
    kind: str
    name: str
    count: int
    failures: int
    histogram: LatencyHistogram | None


@dataclass
class CheckedTaggedRow:
    kind: str
    tags: Tags
    count: int
    failures: int
    histogram: LatencyHistogram | None


@dataclass
class CheckedReport:
    """A report that passed ``check_report``: every number a non-negative ``int``."""

    rows: list[CheckedRow]
    counters: dict[str, int]
    close_codes: list[tuple[int, int]]
    traffic: list[list[int]]
    open: int
    peak: int
    tagged: list[CheckedTaggedRow]


def check_report(report: Any, version: int, counters: Collection[str]) -> CheckedReport:
    """``report`` decoded and checked against the report format ``version`` with the ``counters``
    the master keeps; raises ``MalformedReport``."""
    if not isinstance(report, Mapping):
        raise MalformedReport(f"not a mapping but {type(report).__name__}")
    if report.get("version") != version:
        raise MalformedReport(f"version {report.get('version')!r}, expected {version}")
    checked = CheckedReport(
        rows=[_row(row) for row in _list(report, "rows")],
        counters=_counters(report.get("counters"), counters),
        close_codes=[_close_code(pair) for pair in _list(report, "close_codes")],
        traffic=[_traffic(point) for point in _list(report, "traffic")],
        open=_count(report.get("open"), "open"),
        peak=_count(report.get("peak"), "peak"),
        tagged=[_tagged_row(row) for row in _list(report, "tagged", optional=True)],
    )
    for part, whole in (("failures", "events"), ("handshake_failures", "handshakes")):
        if checked.counters.get(part, 0) > checked.counters.get(whole, 0):
            raise MalformedReport(f"counter {part} exceeds {whole}")
    return checked


def _count(value: Any, field: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise MalformedReport(f"{field} is {value!r}, not a whole number >= 0")


def _list(report: Mapping[str, Any], field: str, optional: bool = False) -> list[Any]:
    value = report.get(field, [] if optional else None)
    if not isinstance(value, (list, tuple)):
        raise MalformedReport(f"{field} is {type(value).__name__}, not a list")
    return list(value)


def _counters(value: Any, known: Collection[str]) -> dict[str, int]:
    if not isinstance(value, Mapping):
        raise MalformedReport(f"counters is {type(value).__name__}, not a mapping")
    return {name: _count(value[name], f"counter {name}") for name in known if name in value}


def _row(row: Any) -> CheckedRow:
    if not isinstance(row, (list, tuple)) or len(row) != 6:
        raise MalformedReport(f"row {row!r:.80} is not [type, kind, name, count, failures, histogram]")
    request_type, kind, name, count, failures, wire = row
    if not all(isinstance(text, str) and len(text) <= MAX_NAME_LENGTH for text in (request_type, kind, name)):
        raise MalformedReport(f"row {row!r:.80} has a type, kind or name that is no short string")
    return CheckedRow(request_type, kind, name, *_row_counts(repr(name), count, failures, wire))


def _tagged_row(row: Any) -> CheckedTaggedRow:
    if not isinstance(row, (list, tuple)) or len(row) != 5:
        raise MalformedReport(f"tagged row {row!r:.80} is not [kind, tags, count, failures, histogram]")
    kind, pairs, count, failures, wire = row
    if not isinstance(kind, str) or len(kind) > MAX_NAME_LENGTH:
        raise MalformedReport(f"tagged row {row!r:.80} has a kind that is no short string")
    if not isinstance(pairs, (list, tuple)) or not all(
        isinstance(pair, (list, tuple)) and len(pair) == 2 and all(isinstance(text, str) for text in pair)
        for pair in pairs
    ):
        raise MalformedReport(f"tagged row {row!r:.80} has tags that are not [[name, value], ...]")
    try:
        tags = make_tags(dict(pairs))
    except (TypeError, ValueError) as error:
        raise MalformedReport(f"tagged row of {kind!r}: {error}") from None
    if len(tags) != len(pairs):
        raise MalformedReport(f"tagged row of {kind!r} names a tag twice")
    return CheckedTaggedRow(kind, tags, *_row_counts(f"{kind} {tags}", count, failures, wire))


def _row_counts(label: str, count: Any, failures: Any, wire: Any) -> tuple[int, int, LatencyHistogram | None]:
    """A row's ``(count, failures, histogram)`` checked: failures within the events, a histogram
    whose samples fit the count."""
    count, failures = _count(count, f"count of row {label}"), _count(failures, f"failures of row {label}")
    if failures > count:
        raise MalformedReport(f"row {label} has more failures than events")
    histogram = None
    if wire is not None:
        try:
            histogram = LatencyHistogram.from_wire(wire)
        except ValueError as error:
            raise MalformedReport(f"row {label}: {error}") from None
        if histogram.count > count or histogram.total_us < 0:
            raise MalformedReport(f"row {label} has a histogram that does not fit its count")
    return count, failures, histogram


def _close_code(pair: Any) -> tuple[int, int]:
    if not isinstance(pair, (list, tuple)) or len(pair) != 2:
        raise MalformedReport(f"close code entry {pair!r:.80} is not [code, count]")
    code = _count(pair[0], "close code")
    if code > MAX_CLOSE_CODE:
        raise MalformedReport(f"close code {code} is out of range")
    return code, _count(pair[1], f"count of close code {code}")


def _traffic(point: Any) -> list[int]:
    if not isinstance(point, (list, tuple)) or len(point) != 5:
        raise MalformedReport(f"traffic point {point!r:.80} is not [second, in, out, bytes in, bytes out]")
    return [_count(value, "traffic value") for value in point]
