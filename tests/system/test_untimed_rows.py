"""A row of Locust's stats that carries no time (``recv``: messages nothing waited for, fired with
``response_time=None``) shows no time: "—" in the console table, empty cells in the CSV files,
``null`` in ``--json``, in the web UI's ``/stats/requests`` and in the HTML report's data; its counts
and rate stay. Timed rows, and the Aggregated row mixing both, keep their numbers. In real
``locust`` runs against the demo server: headless, with the web UI, and as a master with two
workers."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ..support.demo import demo_of_its_own, run_totals_locustfile
from ..support.locust_cluster import locust_cluster
from ..support.paths import ROOT, TEST_LOCUSTFILES
from ..support.web_ui import require_browser, web_ui_run

LOCUSTFILE = TEST_LOCUSTFILES / "totals.py"
PROBE = ROOT / "tests" / "support" / "stats_table_probe.py"
TIMED = ("connect /echo", "echo", "send", "server push", "fanout", "Aggregated")
UNTIMED = "recv"
BLANK = "-"


@pytest.fixture(scope="module")
def own_demo():
    with demo_of_its_own() as url:
        yield url


def console_rows(output: str) -> dict[str, list[str]]:
    """The time cells (avg, min, max, median) of each row of Locust's last stats table."""
    rows = {}
    for line in output.splitlines():
        parts = line.rsplit("|", 2)
        if len(parts) != 3 or line.startswith(("-", "Type")):
            continue
        name = " ".join(parts[0][8:].split()[:-2])  # after the type column, before "# reqs # fails"
        rows[name] = parts[1].split()
    return rows


def assert_console_blanks_untimed(output: str) -> None:
    rows = console_rows(output)
    assert rows[UNTIMED] == [BLANK] * 4, rows[UNTIMED]
    for name in TIMED:  # numbers, 0 included: a send of 20 us is 0 in Locust's whole milliseconds
        assert all(cell.isdigit() for cell in rows[name]), (name, rows[name])


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as lines:
        return list(csv.DictReader(lines))


def time_columns(row: dict[str, str]) -> dict[str, str]:
    return {column: cell for column, cell in row.items() if "Response Time" in column or column.endswith("%")}


def assert_csv_blanks_untimed(path: Path) -> None:
    rows = {row["Name"]: row for row in csv_rows(path)}
    untimed = rows[UNTIMED]
    assert int(untimed["Request Count"]) > 0 and float(untimed["Requests/s"]) > 0
    assert set(time_columns(untimed).values()) == {""}, untimed
    for name in TIMED:
        cells = time_columns(rows[name])
        assert "" not in cells.values() and float(cells["Max Response Time"]) > 0, (name, cells)


def assert_json_rows_blank_untimed(rows: list[dict], time_keys: list[str]) -> None:
    by_name = {row["name"]: row for row in rows}
    assert by_name[UNTIMED]["num_requests"] > 0
    assert {key: by_name[UNTIMED][key] for key in time_keys} == dict.fromkeys(time_keys), by_name[UNTIMED]
    for name in TIMED:
        if name in by_name:
            # A number, 0 included: Locust rounds to whole ms, and a send of 20 us is 0.
            assert all(isinstance(by_name[name][key], (int, float)) for key in time_keys), by_name[name]


def template_args(html: str) -> dict:
    start = html.index("window.templateArgs = ") + len("window.templateArgs = ")
    return json.JSONDecoder().raw_decode(html, start)[0]


def stats_time_keys(row: dict) -> list[str]:
    return [
        key for key in row if key.endswith("_response_time") or key.startswith("response_time_percentile_")
    ]


def test_headless_console_csv_and_html_show_no_time_for_untimed_rows(own_demo, tmp_path):
    prefix, html = tmp_path / "run", tmp_path / "report.html"
    result = run_totals_locustfile(
        own_demo, "--csv", str(prefix), "--csv-full-history", "--html", str(html), users=4, seconds=3
    )

    assert_console_blanks_untimed(result.stderr)
    percentiles = result.stderr.rsplit("Response time percentiles", 1)[1].split("locust-ws:")[0]
    assert " echo " in percentiles and f" {UNTIMED} " not in percentiles  # Locust leaves it out

    assert_csv_blanks_untimed(Path(f"{prefix}_stats.csv"))
    history = [row for row in csv_rows(Path(f"{prefix}_stats_history.csv")) if row["Name"] == UNTIMED]
    assert history and all(set(time_columns(row).values()) == {""} for row in history)

    report = template_args(html.read_text())
    statistics = report["requests_statistics"]
    assert_json_rows_blank_untimed(statistics, stats_time_keys(statistics[0]))
    percentiles_by_name = {row["name"]: row for row in report["response_time_statistics"]}
    assert set(percentiles_by_name[UNTIMED].values()) == {UNTIMED, "WS", None}
    assert None not in percentiles_by_name["echo"].values()


def test_json_entries_have_null_times_for_untimed_rows(own_demo):
    entries = json.loads(run_totals_locustfile(own_demo, "--json", users=4, seconds=3).stdout)
    assert_json_rows_blank_untimed(entries, ["min_response_time", "max_response_time", "total_response_time"])


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.read()


def rendered_table(url: str) -> dict[str, dict[str, str]]:
    """Locust's table at ``url`` as headless Chromium renders it, once ``recv`` and ``echo`` show."""
    command = [sys.executable, str(PROBE), url, "--wait-for", UNTIMED, "--wait-for", "echo"]
    probe = subprocess.run(command, capture_output=True, text=True, timeout=150, check=False)
    assert probe.returncode == 0, probe.stderr[-3000:]
    return json.loads(probe.stdout)


def assert_rendered_blanks_untimed(rows: dict[str, dict[str, str]]) -> None:
    def times(name: str) -> dict[str, str]:
        return {title: cell for title, cell in rows[name].items() if "(ms)" in title}

    assert times(UNTIMED) and set(times(UNTIMED).values()) == {""}, rows[UNTIMED]
    assert float(rows[UNTIMED]["# Requests"]) > 0
    for name in ("connect /echo", "echo", "send", "Aggregated"):
        assert all(cell.replace(",", "").replace(".", "", 1).isdigit() for cell in times(name).values()), (
            rows[name]
        )


def test_web_ui_statistics_show_no_time_for_untimed_rows(own_demo, tmp_path, monkeypatch):
    require_browser()
    monkeypatch.setenv("DEMO_URL", own_demo)
    with web_ui_run(LOCUSTFILE, ["-u", "4", "-r", "4", "-t", "60s"], tmp_path) as url:
        deadline, rows = time.monotonic() + 60, {}
        while time.monotonic() < deadline and not {UNTIMED, "echo"} <= rows.keys():
            time.sleep(1)
            rows = {row["name"]: row for row in json.loads(fetch(f"{url}/stats/requests"))["stats"]}
        assert_json_rows_blank_untimed(list(rows.values()), stats_time_keys(rows["echo"]))
        (tmp_path / "download.csv").write_bytes(fetch(f"{url}/stats/requests/csv"))
        assert_csv_blanks_untimed(tmp_path / "download.csv")
        report = template_args(fetch(f"{url}/stats/report").decode())
        assert_json_rows_blank_untimed(report["requests_statistics"], stats_time_keys(rows["echo"]))
        # What a user sees: Locust rounds Median and Average, which makes 0 of a null but for our script.
        assert_rendered_blanks_untimed(rendered_table(url))
        assert_rendered_blanks_untimed(rendered_table(f"{url}/stats/report"))
    assert "Traceback" not in (tmp_path / "locust.log").read_text()


def test_master_with_two_workers_shows_no_time_for_untimed_rows(own_demo, tmp_path):
    prefix = tmp_path / "cluster"
    master_args = ["-u", "4", "-r", "4", "-t", "3s", "--stop-timeout", "5", "--csv", str(prefix)]
    with locust_cluster(LOCUSTFILE, master_args, tmp_path, workers=2, env={"DEMO_URL": own_demo}) as cluster:
        output = cluster.wait(timeout=120)
    assert "Traceback" not in output, output[-3000:]
    assert_console_blanks_untimed(output)
    assert_csv_blanks_untimed(Path(f"{prefix}_stats.csv"))
