"""Locust's own stats entries given blank time cells when they carry no time, without sockets:
the console line, the web UI's row, the CSV rows, the JSON entries, a row mixing timed and untimed
samples, ``clear_all`` at a run's start and the master merging a worker's report."""

from __future__ import annotations

import csv
import io

from locust.env import Environment
from locust.event import Events
from locust.stats import (
    PERCENTILES_TO_REPORT,
    RequestStats,
    StatsCSV,
    setup_distributed_stats_event_listeners,
)

from locust_ws.reports.locust_stats import UntimedBlankEntry, blank_untimed_cells


def stats_with(samples: dict[str, list[float | None]]) -> RequestStats:
    stats = RequestStats()
    blank_untimed_cells(stats)
    for name, times in samples.items():
        for response_time in times:
            stats.log_request("WS", name, response_time, 10)  # type: ignore[arg-type]
    return stats


def time_cells(line: str) -> list[str]:
    return line.rsplit("|", 2)[1].split()


def test_a_row_without_a_time_prints_dashes_and_keeps_its_count():
    stats = stats_with({"recv": [None, None, None]})
    line = stats.entries["recv", "WS"].to_string(current=False)
    assert time_cells(line) == ["-"] * 4
    assert line.split("|")[0].split()[-2:] == ["3", "0(0.00%)"]


def test_a_row_without_a_time_has_null_times_and_its_count_in_the_web_uis_row():
    row = stats_with({"recv": [None, None]}).entries["recv", "WS"].to_dict()
    assert row["num_requests"] == 2 and row["avg_content_length"] == 10
    times = {key: value for key, value in row.items() if "response_time" in key}
    assert len(times) > 4 and set(times.values()) == {None}


def test_a_row_mixing_timed_and_untimed_samples_keeps_locusts_numbers_of_the_timed():
    stats = stats_with({"close /echo": [10.0, None, 30.0], "recv": [None]})
    close = stats.entries["close /echo", "WS"]
    assert time_cells(close.to_string(current=False)) == [
        "20",
        "10",
        "30",
        "30",
    ]  # Locust: avg, min, max, median
    assert close.to_dict()["avg_response_time"] == 20.0 and close.get_response_time_percentile(1.0) == 30
    assert stats.total.to_dict()["avg_response_time"] == 20.0  # Aggregated leaves the untimed out
    assert stats.total.num_requests == 4


def test_clear_all_at_a_runs_start_keeps_entries_blanking():
    stats = stats_with({"recv": [None]})
    stats.clear_all()
    stats.log_request("WS", "recv", None, 0)  # type: ignore[arg-type]
    assert isinstance(stats.entries["recv", "WS"], UntimedBlankEntry)
    assert isinstance(stats.total, UntimedBlankEntry) and time_cells(stats.total.to_string()) == ["-"] * 4


def test_the_master_merging_a_workers_report_gets_blanking_entries():
    worker, master, events = RequestStats(), RequestStats(), Events()
    blank_untimed_cells(master)
    setup_distributed_stats_event_listeners(events, master)
    for response_time in (None, 5.0):
        worker.log_request("WS", "recv" if response_time is None else "echo", response_time, 1)  # type: ignore[arg-type]
    report: dict = {}
    events.report_to_master.fire(client_id="worker", data=report)  # the master's listener serializes
    report["stats"] = worker.serialize_stats()
    report["stats_total"] = worker.total.get_stripped_report()
    events.worker_report.fire(client_id="worker", data=report)
    recv, echo = master.entries["recv", "WS"], master.entries["echo", "WS"]
    assert isinstance(recv, UntimedBlankEntry) and recv.num_requests == 1
    assert recv.to_dict()["max_response_time"] is None and echo.to_dict()["max_response_time"] == 5
    assert master.total.num_requests == 2 and master.total.to_dict()["avg_response_time"] == 5.0


def test_csv_rows_and_json_entries_of_a_row_without_a_time_have_no_times():
    environment = Environment()
    blank_untimed_cells(environment.stats)
    for name, response_time in (("recv", None), ("echo", 4.0)):
        environment.stats.log_request("WS", name, response_time, 1)  # type: ignore[arg-type]
    text = io.StringIO()
    StatsCSV(environment, PERCENTILES_TO_REPORT).requests_csv(csv.writer(text))
    rows = {row["Name"]: row for row in csv.DictReader(io.StringIO(text.getvalue()))}
    time_columns = [column for column in rows["recv"] if "Response Time" in column or column.endswith("%")]
    assert {rows["recv"][column] for column in time_columns} == {""} and rows["recv"]["Request Count"] == "1"
    assert "" not in {rows["echo"][column] for column in time_columns}
    assert rows["Aggregated"]["Max Response Time"] == "4.0"
    entries = {entry["name"]: entry for entry in environment.stats.serialize_stats()}
    assert entries["recv"]["max_response_time"] is None and entries["recv"]["num_requests"] == 1
    assert entries["echo"]["max_response_time"] == 4.0
