"""The end-of-run WebSocket summary as text: the console table, ``PREFIX_ws.csv`` and the JSON file.

Everything here renders the JSON-ready dict of ``WebSocketMetrics.summary()`` (plus threshold
results), so the console, CSV, JSON, HTML and web UI always show the same numbers. Pure functions.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from ..metrics.collector import PERCENTILE_KEYS, SCALAR_METRICS
from ..metrics.histograms import format_ms
from ..metrics.thresholds import ThresholdResult, format_value

LATENCY_KEYS = ("min_ms", "avg_ms", *PERCENTILE_KEYS, "max_ms")
_TABLE_LATENCY_KEYS = (*PERCENTILE_KEYS, "max_ms", "avg_ms")
_NAME_WIDTH_MAX = 40


def with_thresholds(
    summary: dict[str, Any], results: list[ThresholdResult], aborted: str | None = None
) -> dict[str, Any]:
    """The summary plus the threshold verdicts (and why the run was aborted early, if it was)."""
    return {
        **summary,
        "thresholds": [
            {
                "threshold": result.threshold.text,
                "passed": result.passed,
                "observed": result.observed,
                "observed_text": result.observed_text(),
            }
            for result in results
        ],
        "aborted": aborted,
    }


def format_console(summary: dict[str, Any]) -> str:
    """The table printed under Locust's own at the end of a headless run."""
    rows = summary["latency"]
    name_width = min(max([len("Name"), *(len(row["name"]) for row in rows)]), _NAME_WIDTH_MAX)
    kind_width = max([len("Kind"), *(len(row["kind"]) for row in rows)])
    head = f"{'Type':<5} {'Kind':<{kind_width}} {'Name':<{name_width}} {'# events':>9} {'# fails':>8} |"
    head += "".join(f" {key.removesuffix('_ms'):>8}" for key in _TABLE_LATENCY_KEYS)
    lines = [
        f"locust-ws: WebSocket metrics over {summary['duration_s']:.1f} s "
        "(times in ms from HdrHistograms, microsecond resolution)",
        head,
        "-" * len(head),
    ]
    for row in rows:
        name = row["name"] if len(row["name"]) <= name_width else row["name"][: name_width - 1] + "~"
        line = f"{row['type']:<5} {row['kind']:<{kind_width}} {name:<{name_width}}"
        line += f" {row['count']:>9} {row['failures']:>8} |"
        line += "".join(f" {format_ms(row[key]):>8}" for key in _TABLE_LATENCY_KEYS)
        lines.append(line)
    lines.append("-" * len(head))
    lines += _connection_lines(summary)
    return "\n".join(lines)


def _connection_lines(summary: dict[str, Any]) -> list[str]:
    metrics = summary["metrics"]

    def shown(name: str) -> str:
        return format_value(metrics[name], SCALAR_METRICS[name].unit)

    lines = [
        f"Connections: {metrics['open_connections']} open, peak {metrics['open_connections_peak']}; "
        f"handshakes {metrics['handshakes']} ({metrics['handshake_failures']} failed, "
        f"{shown('handshake_failure_rate')}); reconnects {metrics['reconnects']} "
        f"({metrics['reconnect_failures']} gave up); heartbeat misses {metrics['heartbeat_misses']}",
        f"Traffic: in {metrics['messages_in']} msgs ({shown('messages_in_per_s')}), "
        f"{metrics['bytes_in']} B; out {metrics['messages_out']} msgs ({shown('messages_out_per_s')}), "
        f"{metrics['bytes_out']} B; late replies {metrics['late_replies']}",
        "Close codes: "
        + (", ".join(f"{code} x {count}" for code, count in summary["close_codes"].items()) or "none"),
    ]
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


def worker_label(worker: dict[str, Any]) -> str:
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


def csv_rows(summary: dict[str, Any]) -> list[list[Any]]:
    """``PREFIX_ws.csv``: one row per metric name (a latency row, a kind, a single number)."""
    blank_latency = [""] * len(LATENCY_KEYS)
    rows: list[list[Any]] = []
    for row in summary["latency"]:
        rows.append(["latency", row["type"], row["kind"], row["name"], *_latency_cells(row), "", "ms"])
    for row in summary["latency_by_kind"]:
        rows.append(["latency_by_kind", "", row["kind"], "", *_latency_cells(row), "", "ms"])
    for name, value in summary["metrics"].items():
        rows.append([name, "", "", "", "", "", "", *blank_latency, _cell(value), SCALAR_METRICS[name].unit])
    for code, count in summary["close_codes"].items():
        rows.append([f"close_code_{code}", "", "", "", "", "", "", *blank_latency, count, "count"])
    for worker in summary["workers"]:
        for metric in ("open_connections", "open_connections_peak"):
            rows.append(
                [metric, "", "", worker["worker"], "", "", "", *blank_latency, worker[metric], "connections"]
            )
    return rows


def _latency_cells(row: dict[str, Any]) -> list[Any]:
    return [row["count"], row["failures"], row["samples"], *(_cell(row[key]) for key in LATENCY_KEYS)]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    return round(value, 6) if isinstance(value, float) else value


def format_csv(summary: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(csv_rows(summary))
    return buffer.getvalue()


def format_json(summary: dict[str, Any]) -> str:
    return json.dumps(summary, indent=2, sort_keys=False)
