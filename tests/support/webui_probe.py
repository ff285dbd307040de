"""Reads the "WebSockets" tab of a running Locust web UI in headless Chromium (Debian's
``chromium`` driven by playwright), as its own process: playwright's sync API must not share a
process with gevent's monkey-patching.

    python tests/support/webui_probe.py URL [--screenshot FILE] [--charts [--charts-points N]
        [--charts-screenshot FILE]]
        [--report [--report-screenshot FILE]] [--wait-for TEXT ...]

Prints the tab's rows as JSON once they show live numbers and, with ``--wait-for``, a row whose
name contains each TEXT (or after --timeout seconds). ``--charts`` adds the tab's charts as seen
twice, two polls apart; ``--report`` what the web UI's HTML report (``/stats/report``) holds.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import time
from collections.abc import Iterator

from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def tab_rows(page) -> dict[str, list[str]]:
    """Metric name -> the row's other cells, as the browser renders them."""
    rows = {}
    for row in page.locator("table tbody tr").all():
        cells = [cell.strip() for cell in row.locator("td").all_inner_texts()]
        if cells:
            rows[cells[0]] = cells[1:]
    return rows


def number(text: str) -> float:
    try:
        return float(text.split()[0])
    except (ValueError, IndexError):
        return 0.0


def is_live(rows: dict[str, list[str]]) -> bool:
    latency = [cells for name, cells in rows.items() if name.endswith("[request]")]
    return (
        number(rows.get("open connections", [""])[0]) > 0
        and number(rows.get("messages in /s", [""])[0]) > 0
        and any(number(cells[2]) > 0 for cells in latency)  # the p50 column
    )


def charts(page) -> dict[str, dict]:
    """Chart title -> its sample count and series names, as drawn under the tab's table."""
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('#locust-ws-charts [data-chart]')].map(
            chart => [chart.dataset.chart, {
                points: Number(chart.dataset.points),
                series: [...chart.querySelectorAll('svg > g[data-series]')].map(line => line.dataset.series),
            }]))"""
    )


def charts_twice(page, timeout: float, points: int = 0) -> list[dict[str, dict]]:
    """The charts once they have two samples, then once they have more (a later poll) and at
    least ``points``."""
    deadline = time.monotonic() + timeout

    def samples(seen: dict[str, dict]) -> int:
        return seen.get("Open connections", {}).get("points", 0)

    first = charts(page)
    while samples(first) < 2 and time.monotonic() < deadline:
        page.wait_for_timeout(500)
        first = charts(page)
    later = charts(page)
    while samples(later) <= max(samples(first), points - 1) and time.monotonic() < deadline:
        page.wait_for_timeout(500)
        later = charts(page)
    return [first, later]


def report(page, url: str, screenshot: str | None) -> dict:
    """Where the WebSocket section sits in Locust's rendered report, and its charts."""
    page.goto(f"{url}/stats/report")
    page.wait_for_selector("#locust-ws [data-chart]", timeout=30_000)
    if screenshot:
        page.locator("#locust-ws").screenshot(path=screenshot)
    return page.evaluate(
        """() => {
            const section = document.getElementById('locust-ws');
            const headings = [...section.parentElement.children]
                .map(box => box.querySelector('h2')?.textContent);
            return {
                in_root: !!document.querySelector('#root #locust-ws'),
                sibling_headings: headings,
                heading_class: section.querySelector('h2').className,
                locust_heading_class: document.querySelector('#root h2').className,
                table_class: section.querySelector('table').className,
                charts: [...section.querySelectorAll('[data-chart]')].map(chart => chart.dataset.chart),
            };
        }"""
    )


@contextlib.contextmanager
def chromium_page(url: str, width: int) -> Iterator[Page]:
    """A page of a fresh headless Chromium (its own profile, thrown away after) opened at ``url``."""
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": width, "height": 900},
        )
        try:
            page = browser.new_page()
            page.goto(url)
            yield page
        finally:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--timeout", type=float, default=45.0)
    parser.add_argument("--screenshot")
    parser.add_argument("--charts", action="store_true")
    parser.add_argument("--charts-screenshot")
    parser.add_argument("--charts-points", type=int, default=0)
    parser.add_argument("--report", action="store_true")
    parser.add_argument("--report-screenshot")
    parser.add_argument("--wait-for", action="append", default=[])
    args = parser.parse_args()

    def ready(rows: dict[str, list[str]]) -> bool:
        return is_live(rows) and all(any(text in name for name in rows) for text in args.wait_for)

    with chromium_page(f"{args.url}/?tab=websockets", width=1400) as page:
        deadline = time.monotonic() + args.timeout
        rows = tab_rows(page)
        while not ready(rows) and time.monotonic() < deadline:
            page.wait_for_timeout(500)
            rows = tab_rows(page)
        tab_titles = page.locator("[role=tab]").all_inner_texts()
        seen = {"rows": rows, "live": is_live(rows), "tabs": tab_titles}
        if args.charts:
            seen["charts"] = charts_twice(page, args.timeout, args.charts_points)
            if args.charts_screenshot:
                page.mouse.move(700, 300)  # away from the charts: no tooltip in the picture
                page.locator("#locust-ws-charts").screenshot(path=args.charts_screenshot)
        if args.screenshot:
            page.screenshot(path=args.screenshot, full_page=True)
        if args.report:
            seen["report"] = report(page, args.url, args.report_screenshot)
    json.dump(seen, sys.stdout)


if __name__ == "__main__":
    main()
