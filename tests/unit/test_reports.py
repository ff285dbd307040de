"""The end-of-run renderings: console table, PREFIX_ws.csv, HTML section and web UI tab rows all
show the same summary."""

from __future__ import annotations

import csv
import io
import json
import re

from locust_ws import WebSocketMetrics
from locust_ws.metrics.history import ChartHistory, ChartSample
from locust_ws.metrics.thresholds import evaluate, parse_thresholds
from locust_ws.reports.html import inject_section, render_section
from locust_ws.reports.summary import (
    CSV_HEADER,
    format_console,
    format_csv,
    format_json,
    with_charts,
    with_thresholds,
)
from locust_ws.reports.webui import COLUMNS, tab_rows

from .test_metrics import Clock, fire


def run_summary() -> dict:
    clock = Clock()
    metrics = WebSocketMetrics(clock)
    for second in range(5):
        clock.now = 1_000.0 + second
        fire(metrics, "connect", "connect /echo", 2.5)
        for _ in range(20):
            fire(metrics, "request", "echo", 0.3, 40, sent_bytes=35)
    fire(metrics, "close", "close /echo", 1.0, close_code=1000)
    fire(metrics, "close", "close /echo", None, close_code=1006)
    results = evaluate(parse_thresholds(["echo:p50<1ms", "close_code_1006<1"]), metrics)
    return with_thresholds(metrics.summary(), results)


def test_console_table_shows_sub_millisecond_percentiles_and_connections():
    text = format_console(run_summary())
    echo_line = next(line for line in text.splitlines() if " echo " in line)
    assert "0.300" in echo_line and "100" in echo_line
    for label, value in (
        ("open connections", "3"),
        ("peak open connections", "5"),
        ("handshake failures", "0"),
    ):
        assert re.search(rf"(^|   ){label} +{re.escape(value)}( |$)", text, re.MULTILINE), label
    assert re.search(r"handshake failure rate +0\.00%", text)
    assert "Close codes: 1000 x 1, 1006 x 1" in text


def test_csv_has_one_row_per_metric_name():
    rows = list(csv.reader(io.StringIO(format_csv(run_summary()))))
    assert tuple(rows[0]) == CSV_HEADER
    by_metric = {(row[0], row[3]): dict(zip(CSV_HEADER, row, strict=True)) for row in rows[1:]}
    assert by_metric[("latency", "echo")]["p50 (ms)"] == "0.3"
    assert by_metric[("open_connections_peak", "")]["Value"] == "5"
    assert by_metric[("close_code_1006", "")]["Value"] == "1"
    assert by_metric[("handshake_failure_rate", "")]["Unit"] == "rate"


def test_json_summary_carries_threshold_verdicts():
    summary = json.loads(format_json(run_summary()))
    assert [verdict["passed"] for verdict in summary["thresholds"]] == [True, False]
    assert summary["close_codes"] == {"1000": 1, "1006": 1}


def test_html_section_has_tables_and_its_chart_data_and_goes_before_body_end():
    history = ChartHistory()
    history.add(ChartSample(1_000.0, 3, {}, (1.0, 2.0, 3.0, 4.0), {"request": (0.3, 0.5)}))
    section = render_section(with_charts(run_summary(), history.summary()))
    data = re.search(r'<script type="application/json">(.*?)</script>', section)
    assert data and json.loads(data.group(1))["latency"]["request"]["p99_ms"] == [0.5]
    assert 'id="locust-ws-charts"' in section and "placeInReport" in section
    assert '<span class="fail">FAIL</span>' in section and "close_code_1006&lt;1" in section
    page = inject_section("<html><body><div id='root'></div></body></html>", section)
    assert page.index("id='root'") < page.index('id="locust-ws"') < page.index("</body>")


def test_tab_rows_fill_every_column():
    rows = tab_rows(run_summary())
    keys = [key for key, _ in COLUMNS]
    assert all(list(row) == keys for row in rows)
    echo = next(row for row in rows if row["metric"] == "WS echo [request]")
    assert (echo["value"], echo["p50"], echo["p999"]) == (100, "0.300", "0.300")
    assert next(row for row in rows if row["metric"] == "open connections")["value"] == "3"
    assert next(row for row in rows if row["metric"] == "handshake failure rate")["value"] == "0.00%"
