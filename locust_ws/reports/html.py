"""The WebSocket section of Locust's HTML report (``--html`` and the web UI's "Download Report").

Locust renders its report from its own template, with no hook for extra content, so the section
is static HTML (tables and inline SVG charts, no script) placed just before ``</body>``: it shows
below Locust's report and needs nothing else to render. Pure functions.
"""

from __future__ import annotations

import html

from ..metrics.collector import SCALAR_METRICS
from ..metrics.histograms import format_ms
from ..metrics.summary_types import WebSocketSummary
from ..metrics.thresholds import format_value
from .summary import LATENCY_KEYS, breakpoint_lines, host_lines, latency_rows, server_lines, worker_label
from .svg import line_chart

SECTION_ID = "locust-ws"
_STYLE = (
    "#locust-ws{font-family:Roboto,Helvetica,Arial,sans-serif;padding:16px 24px;max-width:1200px}"
    "#locust-ws table{border-collapse:collapse;margin:8px 0 20px}"
    "#locust-ws th,#locust-ws td{border-bottom:1px solid #ddd;padding:4px 10px;text-align:right}"
    "#locust-ws th:first-child,#locust-ws td:first-child{text-align:left}"
    "#locust-ws .text td,#locust-ws .text th{text-align:left}"
    "#locust-ws .fail{color:#c62828;font-weight:bold}#locust-ws .pass{color:#2e7d32;font-weight:bold}"
)


def _table(head: list[str], rows: list[list[str]], text: bool = False) -> str:
    """A table of already escaped cells; numbers align right unless ``text``."""
    head_html = "".join(f"<th>{html.escape(cell)}</th>" for cell in head)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    css_class = ' class="text"' if text else ""
    return f"<table{css_class}><thead><tr>{head_html}</tr></thead><tbody>{body}</tbody></table>"


def render_section(summary: WebSocketSummary) -> str:
    """The section for a summary (``WebSocketMetrics.summary()``, optionally ``with_thresholds``)."""
    parts = [f'<section id="{SECTION_ID}"><style>{_STYLE}</style><h2>WebSockets (locust-ws)</h2>']
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
    points = summary["timeline"]["points"]
    seconds = [point[0] for point in points]
    parts.append(
        line_chart("Open connections", seconds, [("open", "#1976d2", [point[3] for point in points])])
    )
    parts.append(
        line_chart(
            "Messages per second",
            seconds,
            [
                ("in", "#2e7d32", [point[1] for point in points]),
                ("out", "#ef6c00", [point[2] for point in points]),
            ],
        )
    )
    parts.append("</section>")
    return "".join(parts)


def inject_section(report_html: str, section: str) -> str:
    """Locust's report with ``section`` added just before ``</body>``."""
    position = report_html.rfind("</body>")
    if position == -1:
        return report_html + section
    return report_html[:position] + section + report_html[position:]
