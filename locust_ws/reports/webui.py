"""The "WebSockets" tab of Locust's web UI, plus ``/ws/stats`` (JSON) and ``/ws/csv``.

Extended the way Locust supports (its ``examples/extend_web_ui.py``): the tab and its table
columns go into ``template_args`` (``extended_tabs``, ``extended_tables``), and every
``/stats/requests`` response, which the UI polls every 2 s, gets the tab's rows as
``extended_stats``. Locust's extended tabs hold a table alone: the page gets ``charts.js`` too,
which draws the charts under the table from ``/ws/charts`` (the summary's ``charts``) every 2 s.
Locust's tab shows one table, so every row has the same columns: a metric, its
value, failures and, for latency rows, the percentiles: every ``SCALAR_METRICS`` entry by its label,
the live rates and gauges per worker, the latency rows and the close codes. The web UI's HTML report
download gets the same section as ``--html``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Response, jsonify, request

from ..metrics.histograms import format_ms
from ..metrics.history import ChartHistory
from ..metrics.summary_types import PERCENTILE_KEYS, ChartsSummary, TimeKey, WebSocketSummary
from .html import CHARTS_SCRIPT, inject_section, render_section
from .summary import (
    breakpoint_lines,
    format_csv,
    host_lines,
    latency_rows,
    scalar_cells,
    server_lines,
    worker_label,
)

TAB_KEY = "websockets"
_SHOWN_TIMES: tuple[TimeKey, ...] = (*PERCENTILE_KEYS, "max_ms")
_LATENCY_COLUMNS = tuple((key.removesuffix("_ms").replace(".", ""), key) for key in _SHOWN_TIMES)
"""(column key, summary key): column keys are plain lowercase words, since the UI camel-cases the
keys of what it polls."""
COLUMNS = (
    ("metric", "Metric"),
    ("value", "Value"),
    ("fails", "# fails"),
    *((column, f"{key.removesuffix('_ms')} ms") for column, key in _LATENCY_COLUMNS),
)

SummarySource = Callable[[], WebSocketSummary]


def _row(metric: str, value: Any = "", fails: Any = "", **latencies: str) -> dict[str, Any]:
    return {
        "metric": metric,
        "value": value,
        "fails": fails,
        **{key: latencies.get(key, "") for key, _ in _LATENCY_COLUMNS},
    }


def tab_rows(summary: WebSocketSummary) -> list[dict[str, Any]]:
    """The tab's table: the single numbers, gauges per worker, live rates, latency per row and
    close codes."""
    current = summary["current"]
    rows = [_row(label, shown) for label, shown in scalar_cells(summary)]
    rows += [
        _row(f"open connections ({worker_label(worker)})", worker["open_connections"])
        for worker in summary["workers"]
    ]
    rows += [
        _row("messages in /s", f"{current['messages_in_per_s']:.1f}"),
        _row("messages out /s", f"{current['messages_out_per_s']:.1f}"),
        _row("bytes in /s", f"{current['bytes_in_per_s']:.0f}"),
        _row("bytes out /s", f"{current['bytes_out_per_s']:.0f}"),
    ]
    rows += [
        _row(
            f"{request_type} {name} [{kind}]",
            row["count"],
            row["failures"],
            **{column: format_ms(row[key]) for column, key in _LATENCY_COLUMNS},
        )
        for request_type, kind, name, row in latency_rows(summary)
    ]
    rows += [_row(f"close code {code}", count) for code, count in summary["close_codes"].items()]
    rows += [_row(line.strip()) for line in breakpoint_lines(summary)]
    rows += [_row(f"server: {line}") for line in server_lines(summary)]
    rows += [_row(f"ran on {line}") for line in host_lines(summary)]
    return rows


def empty_charts() -> ChartsSummary:
    """Charts of no samples (before the first test)."""
    return ChartHistory().summary()


def install_tab(web_ui: Any, summary_source: SummarySource) -> None:
    """Add the tab, its live rows, the JSON and CSV routes and the report section to ``web_ui``
    (a ``locust.web.WebUI``); ``summary_source()`` returns the current summary."""
    template_args = web_ui.template_args
    template_args.setdefault("extended_tabs", []).append({"title": "WebSockets", "key": TAB_KEY})
    template_args.setdefault("extended_tables", []).append(
        {"key": TAB_KEY, "structure": [{"key": key, "title": title} for key, title in COLUMNS]}
    )
    template_args.setdefault("extended_csv_files", []).append(
        {"href": "./ws/csv", "title": "Download WebSocket metrics CSV"}
    )
    app = web_ui.app

    @app.after_request
    def add_websocket_metrics(response: Response) -> Response:
        if request.path == "/stats/requests" and response.is_json:
            report = response.get_json()
            extended = [stats for stats in report.get("extended_stats") or [] if stats.get("key") != TAB_KEY]
            extended.append({"key": TAB_KEY, "data": tab_rows(summary_source())})
            report["extended_stats"] = extended
            response.set_data(json.dumps(report))
        elif request.path == "/stats/report" and response.status_code == 200:
            section = render_section(summary_source())
            response.set_data(inject_section(response.get_data(as_text=True), section))
        elif request.path == "/" and response.status_code == 200 and response.mimetype == "text/html":
            page = response.get_data(as_text=True)
            response.set_data(inject_section(page, f"<script>{CHARTS_SCRIPT}</script>"))
        return response

    @app.route("/ws/charts")
    @web_ui.auth_required_if_enabled
    def websocket_charts() -> Response:
        return jsonify(summary_source().get("charts") or empty_charts())

    @app.route("/ws/stats")
    @web_ui.auth_required_if_enabled
    def websocket_stats() -> Response:
        return jsonify(summary_source())

    @app.route("/ws/csv")
    @web_ui.auth_required_if_enabled
    def websocket_csv() -> Response:
        return Response(
            format_csv(summary_source()),
            mimetype="text/csv",
            headers={"Content-Disposition": "attachment; filename=locust_ws.csv"},
        )
