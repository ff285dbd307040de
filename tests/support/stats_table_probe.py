"""Reads the first table of a Locust page (the web UI's Statistics, the HTML report's Request
Statistics) in headless Chromium, as its own process (playwright's sync API must not share a
process with gevent's monkey-patching).

    python tests/support/stats_table_probe.py URL [--wait-for NAME ...] [--timeout S]

Prints ``{row name: {column title: cell}}`` as JSON once a row named each NAME shows (or after
--timeout seconds).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from webui_probe import chromium_page


def first_table(page) -> dict[str, dict[str, str]]:
    table = page.locator("table").first
    if not table.count():
        return {}
    titles = [title.strip() for title in table.locator("thead th").all_inner_texts()]
    rows = {}
    for row in table.locator("tbody tr").all():
        cells = dict(
            zip(titles, (cell.strip() for cell in row.locator("td").all_inner_texts()), strict=False)
        )
        rows[cells.get("Name", "")] = cells
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--timeout", type=float, default=45.0)
    parser.add_argument("--wait-for", action="append", default=[])
    args = parser.parse_args()
    with chromium_page(args.url, width=1600) as page:
        deadline = time.monotonic() + args.timeout
        rows = first_table(page)
        while not set(args.wait_for) <= rows.keys() and time.monotonic() < deadline:
            page.wait_for_timeout(500)
            rows = first_table(page)
        page.wait_for_timeout(500)  # the page's scripts have seen the last update too
        rows = first_table(page)
    json.dump(rows, sys.stdout)


if __name__ == "__main__":
    main()
