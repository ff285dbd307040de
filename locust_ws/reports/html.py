"""The WebSocket section of Locust's HTML report (``--html`` and the web UI's "Download Report").

Locust's report is its React app rendering the run's data, with no hook for extra content: the
section goes in just before ``</body>`` as HTML tables plus the chart data, and ``charts.js``
(inlined with it) moves it among Locust's own sections once they render, right after Locust's
"Charts", gives its headings and tables the classes of Locust's (the same MUI styles) and draws
the charts. Pure functions.
"""

from __future__ import annotations

import html
import json
from importlib.resources import files

from ..metrics.collector import SCALAR_METRICS
from ..metrics.histograms import format_ms
from ..metrics.summary_types import WebSocketSummary
from ..metrics.thresholds import format_value
from .summary import LATENCY_KEYS, breakpoint_lines, host_lines, latency_rows, server_lines, worker_label

SECTION_ID = "locust-ws"
CHARTS_ID = "locust-ws-charts"
_STYLE = (
    "#locust-ws{font-family:inherit}#locust-ws h3{font-weight:500;font-size:1.25rem;margin:24px 0 8px}"
    "#locust-ws table{margin-bottom:8px}#locust-ws .MuiTableContainer-root{margin-bottom:8px}"
    "#locust-ws .fail{color:#c62828;font-weight:bold}#locust-ws .pass{color:#2e7d32;font-weight:bold}"
)
CHARTS_SCRIPT = files(__package__).joinpath("charts.js").read_text(encoding="utf-8")
"""Draws the charts: of the report here, of the web UI tab in ``webui``."""


def _table(head: list[str], rows: list[list[str]], text: bool = False) -> str:
    """A table of already escaped cells; numbers align right unless ``text``."""
    head_html = "".join(f"<th>{html.escape(cell)}</th>" for cell in head)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    css_class = ' class="text"' if text else ""
    return f"<table{css_class}><thead><tr>{head_html}</tr></thead><tbody>{body}</tbody></table>"


def render_section(summary: WebSocketSummary) -> str:
    """The section for a summary (``WebSocketMetrics.summary()``, optionally ``with_thresholds``)."""
    parts = [f'<section id="{SECTION_ID}"><style>{_STYLE}</style><h2>WebSockets</h2>']
    if aborted := summary.get("aborted"):
        parts.append(f'<p class="fail">Aborted early: {html.escape(aborted)}</p>')
    if summary.get("thresholds"):
        parts.append("<h3>Thresholds</h3>")
        rows = [
            [
                '<span class="pass">PASS</span>' if verdict["passed"] else '<span class="fail">FAIL</span>',
                html.escape(verdict["threshold"]),
                html.escape(verdict["observed_text"]),
            ]
            for verdict in summary["thresholds"]
        ]
        parts.append(_table(["Result", "Threshold", "Observed"], rows, text=True))
    parts.append("<h3>Latency (ms, HdrHistogram, microsecond resolution)</h3>")
    rows = [
        [html.escape(f"{request_type} {name}"), html.escape(kind), str(row["count"]), str(row["failures"])]
        + [format_ms(row[key]) for key in LATENCY_KEYS]
        for request_type, kind, name, row in latency_rows(summary)
    ]
    parts.append(
        _table(
            ["Name", "Kind", "# events", "# fails", *(key.removesuffix("_ms") for key in LATENCY_KEYS)], rows
        )
    )
    parts.append("<h3>Connections and traffic</h3>")
    rows = [
        [html.escape(key), format_value(summary["metrics"][key], metric.unit), html.escape(metric.meaning)]
        for key, metric in SCALAR_METRICS.items()
    ]
    rows += [
        [f"close_code_{code}", str(count), "connections that ended with this close code"]
        for code, count in summary["close_codes"].items()
    ]
    rows += [
        [
            html.escape(f"open_connections ({worker_label(worker)})"),
            str(worker["open_connections"]),
            f"peak {worker['open_connections_peak']}",
        ]
        for worker in summary["workers"]
    ]
    parts.append(_table(["Metric", "Value", "Meaning"], rows, text=True))
    if lines := breakpoint_lines(summary):
        parts.append("<h3>Breakpoint</h3>")
        parts.append("<ul>" + "".join(f"<li>{html.escape(line.strip())}</li>" for line in lines) + "</ul>")
    if lines := host_lines(summary):
        parts.append("<h3>Ran on</h3>")
        parts.append("<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in lines) + "</ul>")
    if lines := server_lines(summary):
        parts.append("<h3>Server health (" + html.escape(", ".join(summary["server"]["targets"])) + ")</h3>")
        parts.append("<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in lines) + "</ul>")
    if charts := summary.get("charts"):
        data = json.dumps(charts).replace("</", "<\\/")  # no "</script>" inside the script
        parts.append(f'<h3>Over time</h3><div id="{CHARTS_ID}"></div>')
        parts.append(f'<script type="application/json">{data}</script>')
    parts.append(f"<script>{CHARTS_SCRIPT}</script>")
    parts.append("</section>")
    return "".join(parts)


def inject_section(report_html: str, section: str) -> str:
    """Locust's report with ``section`` added just before ``</body>``."""
    position = report_html.rfind("</body>")
    if position == -1:
        return report_html + section
    return report_html[:position] + section + report_html[position:]
