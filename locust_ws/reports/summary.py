"""The end-of-run WebSocket summary as text: the console table, ``PREFIX_ws.csv`` and the JSON file.

Everything here renders the JSON-ready ``WebSocketSummary`` of ``WebSocketMetrics.summary()`` (plus
threshold results), so the console, CSV, JSON, HTML and web UI always show the same numbers; the
single numbers are ``SCALAR_METRICS``, row by row, in every one of them. Pure functions.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from ..metrics.collector import SCALAR_METRICS
from ..metrics.histograms import format_ms
from ..metrics.summary_types import (
    PERCENTILE_KEYS,
    TIME_KEYS,
    BreakpointSummary,
    ChartsSummary,
    HostSummary,
    LatencyStats,
    ServerHealthSummary,
    TimeKey,
    WebSocketSummary,
    WorkerSummary,
)
from ..metrics.thresholds import ThresholdResult, format_value

LATENCY_KEYS = TIME_KEYS
_TABLE_LATENCY_KEYS: tuple[TimeKey, ...] = (*PERCENTILE_KEYS, "max_ms", "avg_ms")
_NAME_WIDTH_MAX = 40
_SCALAR_COLUMNS = 3


def with_thresholds(
    summary: WebSocketSummary, results: list[ThresholdResult], aborted: str | None = None
) -> WebSocketSummary:
    """The summary plus the threshold verdicts (and why the run was aborted early, if it was)."""
    judged = summary.copy()
    judged["thresholds"] = [
        {
            "threshold": result.threshold.text,
            "passed": result.passed,
            "observed": result.observed,
            "observed_text": result.observed_text(),
        }
        for result in results
    ]
    judged["aborted"] = aborted
    return judged


def with_server(summary: WebSocketSummary, server: ServerHealthSummary) -> WebSocketSummary:
    """The summary plus the target's own series (``--ws-server-metrics``)."""
    health = summary.copy()
    health["server"] = server
    return health


def with_charts(summary: WebSocketSummary, charts: ChartsSummary) -> WebSocketSummary:
    """The summary plus its series over time (``metrics.history``)."""
    charted = summary.copy()
    charted["charts"] = charts
    return charted


def with_breakpoint(summary: WebSocketSummary, found: BreakpointSummary) -> WebSocketSummary:
    """The summary plus what a ``Breakpoint`` shape found."""
    judged = summary.copy()
    judged["breakpoint"] = found
    return judged


def with_hosts(summary: WebSocketSummary, hosts: list[HostSummary]) -> WebSocketSummary:
    """The summary plus what ran where."""
    located = summary.copy()
    located["hosts"] = hosts
    return located


def host_lines(summary: WebSocketSummary) -> list[str]:
    """``worker 1: vm pid 812, open files 20000, ports 32768-60999, locust-ws 0.9 / Locust 2.47.0 /
    Python 3.11.7, 25 users planned, 25 connections at peak``, then every warning."""
    hosts = summary.get("hosts") or []
    lines = []
    for host in hosts:
        limit = host["open_files_limit"]
        ports = host["port_range"]
        versions = host["versions"]
        lines.append(
            f"{host['worker']}: {host['host']} pid {host['pid']}, "
            f"open files {'unlimited' if limit < 0 else limit}, "
            f"ports {f'{ports[0]}-{ports[1]}' if ports else 'unknown'}, "
            f"locust-ws {versions['locust_ws']} / Locust {versions['locust']} / Python {versions['python']}, "
            f"{host['planned_users']} users planned, {host['connections_peak']} connections at peak"
        )
    lines += [f"WARNING: {warning}" for host in hosts for warning in host["warnings"]]
    return lines


def breakpoint_lines(summary: WebSocketSummary) -> list[str]:
    """``Breakpoint: sustained 500 users (open connections 500, ...); broke at 550 on ...``."""
    found = summary.get("breakpoint")
    if found is None:
        return []
    at = ", ".join(f"{key} {_shown(key, value)}" for key, value in found["at_sustained"].items())
    head = f"Breakpoint: sustained {found['sustained_users']:,} users" + (f" ({at})" if at else "")
    if found["found"]:
        broken = found["sustained_users"] + found["step"]
        return [
            head,
            f"  broke at {broken:,} users after {found['broken_at_s']:.0f} s: "
            + "; ".join(found["broken_by"]),
        ]
    if found["max_users_reached"]:
        return [head, "  max_users reached with no stop condition true: the limit is higher"]
    return [head, "  no breakpoint found yet"]


def _shown(key: str, value: float | None) -> str:
    if key.endswith("_ms"):
        return format_value(value, "ms")
    if key.endswith("_rate"):
        return format_value(value, "rate")
    return format_value(value, "count")


def server_lines(summary: WebSocketSummary) -> list[str]:
    """The target's series, one verdict a line, then the failed scrapes: what the console, the web
    UI tab and the HTML report list under our own numbers."""
    server = summary.get("server")
    if server is None:
        return []
    lines = [row["verdict"] for row in server["series"]]
    if not server["series"]:
        lines.append("no series scraped from " + ", ".join(server["targets"]))
    lines += [f"scrape failed: {error}" for error in server["errors"]]
    return lines


def scalar_cells(summary: WebSocketSummary) -> list[tuple[str, str]]:
    """``(label, value as shown)`` of every ``SCALAR_METRICS`` entry, in the table's order: what
    the console and the web UI tab list."""
    values = summary["metrics"]
    return [(metric.label, format_value(values[key], metric.unit)) for key, metric in SCALAR_METRICS.items()]


def latency_rows(summary: WebSocketSummary) -> list[tuple[str, str, str, LatencyStats]]:
    """``(type, kind, name, stats)`` of every latency row, then of every tagged row as ``tag``,
    its kind and its selector (``fanout{feed:orders}``): the console's, HTML's and tab's rows."""
    rows: list[tuple[str, str, str, LatencyStats]] = [
        (row["type"], row["kind"], row["name"], row) for row in summary["latency"]
    ]
    rows += [("tag", row["kind"], row["selector"], row) for row in summary.get("latency_by_tag", [])]
    return rows


def format_console(summary: WebSocketSummary) -> str:
    """The table printed under Locust's own at the end of a headless run."""
    rows = latency_rows(summary)
    name_width = min(max([len("Name"), *(len(name) for _, _, name, _ in rows)]), _NAME_WIDTH_MAX)
    kind_width = max([len("Kind"), *(len(kind) for _, kind, _, _ in rows)])
    head = f"{'Type':<5} {'Kind':<{kind_width}} {'Name':<{name_width}} {'# events':>9} {'# fails':>8} |"
    head += "".join(f" {key.removesuffix('_ms'):>8}" for key in _TABLE_LATENCY_KEYS)
    lines = [
        f"locust-ws: WebSocket metrics over {summary['duration_s']:.1f} s "
        "(times in ms from HdrHistograms, microsecond resolution)",
        head,
        "-" * len(head),
    ]
    for request_type, kind, full_name, row in rows:
        name = full_name if len(full_name) <= name_width else full_name[: name_width - 1] + "~"
        line = f"{request_type:<5} {kind:<{kind_width}} {name:<{name_width}}"
        line += f" {row['count']:>9} {row['failures']:>8} |"
        line += "".join(f" {format_ms(row[key]):>8}" for key in _TABLE_LATENCY_KEYS)
        lines.append(line)
    lines.append("-" * len(head))
    lines += _connection_lines(summary)
    lines += breakpoint_lines(summary)
    if hosts := host_lines(summary):
        lines += ["Ran on:", *(f"  {line}" for line in hosts)]
    if server := server_lines(summary):
        lines.append("Server (" + ", ".join(summary["server"]["targets"]) + "):")
        lines += [f"  {line}" for line in server]
    return "\n".join(lines)


def _connection_lines(summary: WebSocketSummary) -> list[str]:
    """The single numbers in columns (label, then value), the close codes and the workers."""
    cells = scalar_cells(summary)
    label_width = max(len(label) for label, _ in cells)
    value_width = max(len(shown) for _, shown in cells)
    column_cells = [f"{label:<{label_width}} {shown:>{value_width}}" for label, shown in cells]
    lines = [
        "   ".join(column_cells[start : start + _SCALAR_COLUMNS]).rstrip()
        for start in range(0, len(column_cells), _SCALAR_COLUMNS)
    ]
    lines.append(
        "Close codes: "
        + (", ".join(f"{code} x {count}" for code, count in summary["close_codes"].items()) or "none")
    )
    if summary["workers"]:
        lines.append(
            "Per worker: "
            + "; ".join(
                f"{worker_label(worker)} open {worker['open_connections']}"
                f" peak {worker['open_connections_peak']}"
                for worker in summary["workers"]
            )
        )
    return lines


def worker_label(worker: WorkerSummary) -> str:
    """A worker as every report names it: ``host_1234`` or, once Locust lost it, ``host_1234
    (missing)``, so a per-worker gauge of 0 is never mistaken for a worker with nothing open."""
    return worker["worker"] + (" (missing)" if worker.get("missing") else "")


CSV_HEADER = (
    "Metric",
    "Type",
    "Kind",
    "Name",
    "Count",
    "Failures",
    "Samples",
    *(f"{key.removesuffix('_ms')} (ms)" for key in LATENCY_KEYS),
    "Value",
    "Unit",
)


def csv_rows(summary: WebSocketSummary) -> list[list[Any]]:
    """``PREFIX_ws.csv``: one row per metric name (a latency row, a kind, a single number)."""
    blank_latency = [""] * len(LATENCY_KEYS)
    rows: list[list[Any]] = []
    for row in summary["latency"]:
        rows.append(["latency", row["type"], row["kind"], row["name"], *_latency_cells(row), "", "ms"])
    for by_kind in summary["latency_by_kind"]:
        rows.append(["latency_by_kind", "", by_kind["kind"], "", *_latency_cells(by_kind), "", "ms"])
    for by_tag in summary.get("latency_by_tag", []):
        rows.append(
            ["latency_by_tag", "", by_tag["kind"], by_tag["selector"], *_latency_cells(by_tag), "", "ms"]
        )
    for key, metric in SCALAR_METRICS.items():
        rows.append(
            [key, "", "", "", "", "", "", *blank_latency, _cell(summary["metrics"][key]), metric.unit]
        )
    for code, count in summary["close_codes"].items():
        rows.append([f"close_code_{code}", "", "", "", "", "", "", *blank_latency, count, "count"])
    rows += _named_value_rows(summary)
    for worker in summary["workers"]:
        for gauge in ("open_connections", "open_connections_peak"):
            rows.append(
                [gauge, "", "", worker["worker"], "", "", "", *blank_latency, worker[gauge], "connections"]
            )
    return rows


def _named_value_rows(summary: WebSocketSummary) -> list[list[Any]]:
    """The breakpoint's and the server's numbers: one row per (metric, name), the value alone."""
    named: list[tuple[str, str, Any, str]] = []
    found = summary.get("breakpoint")
    if found is not None:
        named.append(("breakpoint_sustained_users", "", found["sustained_users"], "users"))
        named += [("breakpoint_at_sustained", key, value, "") for key, value in found["at_sustained"].items()]
    for host in summary.get("hosts") or []:
        ports = host["port_range"]
        named += [
            ("host", host["worker"], host["host"], ""),
            ("host_open_files_limit", host["worker"], host["open_files_limit"], "files"),
            ("host_port_range", host["worker"], f"{ports[0]}-{ports[1]}" if ports else "", "ports"),
            ("host_versions", host["worker"], " ".join(f"{k}={v}" for k, v in host["versions"].items()), ""),
            ("host_planned_users", host["worker"], host["planned_users"], "users"),
            ("host_connections_peak", host["worker"], host["connections_peak"], "connections"),
        ]
    server = summary.get("server")
    for series in server["series"] if server else []:
        values = {
            "baseline": series["baseline"],
            "peak": series["peak"],
            "last": series["last"],
            "after_drop": series["after_drop"],
        }
        if series["returned"] is not None:
            values["returned"] = float(series["returned"])
        named += [(f"server_{statistic}", series["series"], value, "") for statistic, value in values.items()]
    blank = [""] * (len(CSV_HEADER) - 6)  # Count to the last latency column
    return [[metric, "", "", name, *blank, _cell(value), unit] for metric, name, value, unit in named]


def _latency_cells(row: LatencyStats) -> list[Any]:
    return [row["count"], row["failures"], row["samples"], *(_cell(row[key]) for key in LATENCY_KEYS)]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    return round(value, 6) if isinstance(value, float) else value


def format_csv(summary: WebSocketSummary) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(csv_rows(summary))
    return buffer.getvalue()


def format_json(summary: WebSocketSummary) -> str:
    return json.dumps(summary, indent=2, sort_keys=False)
