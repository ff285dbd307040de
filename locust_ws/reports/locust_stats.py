"""Locust's own stats, honest about rows that carry no time.

A row whose every sample was fired with ``response_time=None`` (``recv``: a message nothing waited
for; ``late reply``; a round trip the run cut off; a failed ``reconnect``, ``on_connect`` or
``heartbeat``) has a count and no time. Locust counts such samples in ``num_none_requests`` and
leaves them out of its averages and percentiles, yet prints the row's min, max, median, average
and percentiles as ``0``: a measurement nobody made. On a local or master runner this module
keeps every count and rate as Locust computes them and blanks only the time cells of rows without
a single timed sample: ``-`` in the console table (as in locust-ws's own), empty in the CSV files
and in the web UI's and HTML report's tables, ``null`` in ``--json`` / ``--json-file`` and in the
rows those pages are drawn from. Rows mixing timed and untimed samples (Aggregated) keep Locust's
numbers, which already leave the untimed out.

How it hooks in, the least it can: the environment's ``RequestStats`` and its entries are given
subclasses that override only their output methods (``to_string``, ``to_dict``,
``serialize_stats``), so whatever creates an entry (a request, ``clear_all`` at a run's start, the
master merging a worker's report) gets one. Locust's CSV writer reads each number with ``or 0``,
so its rows are rewritten on the way to the file, by column name. Locust's web UI and HTML report
round "Median" and "Average" with ``Math.round``, which turns ``null`` into 0: a small script in
those pages empties them in a row whose Min cell is empty. Workers are left alone: they show
nothing, and the raw entries they send are what the master merges.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

from flask import Response
from locust.stats import (
    CSVWriter,
    EntriesDict,
    RequestStats,
    StatsCSV,
    StatsCSVFileWriter,
    StatsEntry,
    StatsEntryDict,
)

from .html import inject_section

BLANK = "-"
"""What the console table shows in a time cell of a row that carries no time."""

_SERIALIZED_TIMES = ("min_response_time", "max_response_time", "total_response_time")
"""The time fields of Locust's ``--json`` entries (its ``response_times`` is already empty)."""


def carries_no_time(entry: StatsEntry) -> bool:
    """Whether none of the entry's samples has a time (an entry without samples has none either)."""
    return entry.num_requests == entry.num_none_requests


def _is_time_key(key: str) -> bool:
    """A time field of ``StatsEntry.to_dict``: ``min_response_time`` ... and the percentiles."""
    return key.endswith("_response_time") or key.startswith("response_time_percentile_")


def _is_time_column(column: str) -> bool:
    """A time column of Locust's CSV files: "Median Response Time" ..., and the percentiles."""
    return "Response Time" in column or column.endswith("%")


class UntimedBlankEntry(StatsEntry):
    """A Locust stats entry whose outputs leave time cells blank while it has no timed sample."""

    def to_string(self, current: bool = True) -> str:
        line = super().to_string(current)
        if not carries_no_time(self):
            return line
        # Locust's line: "<type> <name> <reqs> <fails> |<avg> <min> <max><med> | <rps> <fails/s>".
        head, _times, rates = line.rsplit("|", 2)
        return f"{head}|{BLANK:>7} {BLANK:>7} {BLANK:>7}{BLANK:>7} |{rates}"

    def get_response_time_percentile(self, percent: float) -> int | None:  # type: ignore[override]
        """Locust's percentile, or ``None`` while the entry has no timed sample (for the HTML
        report's table of percentiles; Locust's console table leaves such a row out)."""
        return None if carries_no_time(self) else super().get_response_time_percentile(percent)

    def to_dict(self, escape_string_values: bool = False) -> dict[str, Any]:
        row: dict[str, Any] = super().to_dict(escape_string_values)
        if carries_no_time(self):
            row.update(dict.fromkeys(filter(_is_time_key, row)))
        return row


class _UntimedBlankEntries(EntriesDict):
    """Locust's dict of entries, making every entry put in it (by a request or by the master
    merging a worker's report) an :class:`UntimedBlankEntry`."""

    def __setitem__(self, key: tuple[str, str], entry: StatsEntry) -> None:
        entry.__class__ = UntimedBlankEntry
        super().__setitem__(key, entry)


class UntimedBlankStats(RequestStats):
    """Locust's ``RequestStats`` whose entries, Aggregated included, are :class:`UntimedBlankEntry`."""

    def clear_all(self) -> None:
        super().clear_all()
        self.adopt_entries()

    def adopt_entries(self) -> None:
        """Make the entries held now blank their time cells too."""
        self.total.__class__ = UntimedBlankEntry
        entries = _UntimedBlankEntries(self)
        for key, entry in self.entries.items():
            entries[key] = entry
        self.entries = entries

    def serialize_stats(self) -> list[StatsEntryDict]:
        """Locust's ``--json`` entries, with ``null`` times for an entry that carries none. Only a
        worker sends these to a master, and a worker's stats are never given this class."""
        untimed = {(entry.name, entry.method) for entry in self.entries.values() if carries_no_time(entry)}
        reports = cast(list[dict[str, Any]], super().serialize_stats())
        for report in reports:
            if (report["name"], report["method"]) in untimed:
                report.update(dict.fromkeys(_SERIALIZED_TIMES))
        return cast(list[StatsEntryDict], reports)


class _UntimedBlankRows:
    """A CSV writer emptying the time columns of rows whose entry carries no time."""

    def __init__(self, writer: CSVWriter, columns: Sequence[str], stats: RequestStats) -> None:
        self._writer = writer
        self._stats = stats
        self._type_at = columns.index("Type")
        self._name_at = columns.index("Name")
        self._time_columns = [number for number, column in enumerate(columns) if _is_time_column(column)]

    def writerow(self, columns: Iterable[str | int | float]) -> None:
        cells = list(columns)
        entry = self._entry(str(cells[self._type_at] or ""), str(cells[self._name_at]))
        if entry is not None and carries_no_time(entry):
            for number in self._time_columns:
                cells[number] = ""
        self._writer.writerow(cells)

    def _entry(self, method: str, name: str) -> StatsEntry | None:
        total = self._stats.total
        if (name, method) == (total.name, total.method):
            return total
        return self._stats.entries.get((name, method))


_WriteRows = Callable[..., None]


def _blanking_untimed_rows(write_rows: _WriteRows, columns: Callable[[Any], Sequence[str]]) -> _WriteRows:
    """Locust's method writing CSV rows, given a writer that blanks untimed rows when the
    environment's stats are :class:`UntimedBlankStats` (anything else is written as Locust does)."""

    @functools.wraps(write_rows)
    def write(csv: StatsCSV, csv_writer: CSVWriter, *args: Any) -> None:
        stats = csv.environment.stats
        if isinstance(stats, UntimedBlankStats):
            csv_writer = _UntimedBlankRows(csv_writer, columns(csv), stats)
        write_rows(csv, csv_writer, *args)

    write.untimed_blank = True  # type: ignore[attr-defined]
    return write


def _blank_untimed_csv_rows() -> None:
    """Wrap, once per process, the two methods Locust's CSV files (and the web UI's CSV download)
    get their rows from: the stats file's, and the history file's."""
    if getattr(StatsCSV._requests_data_rows, "untimed_blank", False):
        return
    StatsCSV._requests_data_rows = _blanking_untimed_rows(  # type: ignore[method-assign]
        StatsCSV._requests_data_rows, lambda csv: csv.requests_csv_columns
    )
    StatsCSVFileWriter._stats_history_data_rows = _blanking_untimed_rows(  # type: ignore[method-assign]
        StatsCSVFileWriter._stats_history_data_rows, lambda csv: csv.stats_history_csv_columns
    )


def blank_untimed_cells(stats: RequestStats) -> None:
    """Make Locust's console table, CSV, JSON, web UI and HTML report show no time for a row of
    ``stats`` that carries none. For a local or master runner's stats, before a run starts."""
    stats.__class__ = UntimedBlankStats
    cast(UntimedBlankStats, stats).adopt_entries()
    _blank_untimed_csv_rows()


BLANK_CELLS_SCRIPT = """<script>
(() => {
  // Locust's tables round Median and Average with Math.round, which makes 0 of a null: in a row
  // whose Min cell is empty (a row that carries no time), they are emptied too.
  const ROUNDED = ["Median (ms)", "Average (ms)"];
  const blank = () => {
    for (const table of document.querySelectorAll("table")) {
      const heads = [...table.querySelectorAll("thead th")].map((head) => head.textContent);
      const min = heads.indexOf("Min (ms)");
      if (min < 0) continue;
      const rounded = ROUNDED.map((title) => heads.indexOf(title)).filter((column) => column >= 0);
      for (const row of table.querySelectorAll("tbody tr")) {
        if (!row.children[min] || row.children[min].textContent !== "") continue;
        for (const column of rounded) {
          for (const text of row.children[column]?.childNodes ?? []) {
            if (text.nodeType === Node.TEXT_NODE && text.nodeValue !== "") text.nodeValue = "";
          }
        }
      }
    }
  };
  new MutationObserver(blank).observe(document.body, { childList: true, subtree: true, characterData: true });
  blank();
})();
</script>"""
"""Empties, in Locust's web UI and HTML report, the rounded time cells of rows without a time."""


def install_blank_cells_script(web_ui: Any) -> None:
    """Add :data:`BLANK_CELLS_SCRIPT` to the web UI's pages drawn from Locust's stats (the UI
    itself and ``/stats/report``), whatever ``--web-base-path`` they are under."""

    @web_ui.app.after_request
    def add_script(response: Response) -> Response:
        if (
            response.mimetype == "text/html"
            and response.status_code == 200
            and not response.direct_passthrough
        ):
            page = response.get_data(as_text=True)
            if "window.templateArgs" in page:
                response.set_data(inject_section(page, BLANK_CELLS_SCRIPT))
        return response
