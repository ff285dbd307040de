"""Scraping the target's Prometheus endpoint while the load runs (``--ws-server-metrics URL``).

The leading process (master or single process) fetches each URL every few seconds in one greenlet
and feeds ``metrics.server_health.ServerHealth`` with the values and the current user count. A
target that is down or answers garbage is warned about once and scraped again next time: a health
probe must never stop the load test it watches. When the run stops, ``settle`` keeps scraping
until each watched gauge has returned to its baseline or its settle time ran out, so the leak
verdict is in before the reports are written.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

import gevent
import requests

from .metrics.server_health import ScrapeError, ServerHealth, parse_samples
from .metrics.summary_types import ServerHealthSummary

logger = logging.getLogger(__name__)

DEFAULT_INTERVAL_S = 5.0
SCRAPE_TIMEOUT_S = 3.0
SETTLE_INTERVAL_S = 0.5
"""How often ``settle`` scrapes: a leak verdict waits for this much at most past a return."""


class ServerScraper:
    """The scrape loop of one run; ``users`` reads the current user count (the runner's)."""

    def __init__(
        self,
        urls: Sequence[str],
        health: ServerHealth,
        users: Callable[[], int],
        interval_s: float = DEFAULT_INTERVAL_S,
    ) -> None:
        self.urls = list(dict.fromkeys(urls))
        self.health = health
        self.users = users
        self.interval_s = interval_s
        self.errors: dict[str, str] = {}
        """The first failure of each URL, kept for the summary."""
        self._session = requests.Session()
        self._loop: gevent.Greenlet | None = None

    def start(self) -> None:
        """Scrape the baseline now, before any user (so the caller blocks for it: a scrape in a
        greenlet would race the first connections), then every ``interval_s``."""
        if self._loop is None:
            self.scrape(users=0)
            self._loop = gevent.spawn_later(self.interval_s, self._run)

    def stop(self) -> None:
        loop, self._loop = self._loop, None
        if loop is not None and loop is not gevent.getcurrent():
            loop.kill(block=False)

    def _run(self) -> None:
        while True:
            self.scrape()
            gevent.sleep(self.interval_s)

    def scrape(self, users: int | None = None) -> None:
        """One round over every URL, at ``users`` users (the runner's count by default); failures
        are logged once per URL."""
        now = time.monotonic()
        self.health.users(self.users() if users is None else users, now)
        for url in self.urls:
            try:
                values = self._fetch(url)
            except (requests.RequestException, ScrapeError) as error:
                if url not in self.errors:
                    self.errors[url] = f"{url}: {error}"
                    logger.warning(
                        "locust-ws: cannot scrape server metrics from %s (%s); the run goes on, "
                        "this target's series will be missing or have gaps",
                        url,
                        error,
                    )
                continue
            prefix = f"{url} " if len(self.urls) > 1 else ""
            for name, value in values.items():
                self.health.observe(prefix + name, value, now)

    def _fetch(self, url: str) -> dict[str, float]:
        response = self._session.get(url, timeout=SCRAPE_TIMEOUT_S)
        response.raise_for_status()
        return parse_samples(response.text, self.health.names)

    def settle(self) -> None:
        """After the load stopped (no user runs, whatever a master's last worker report said):
        scrape until every verdict is in, for at most the settle time."""
        self.stop()
        deadline = time.monotonic() + self.health.settle_s + 2 * SETTLE_INTERVAL_S
        self.scrape(users=0)
        while not self.health.settled(time.monotonic()) and time.monotonic() < deadline:
            gevent.sleep(SETTLE_INTERVAL_S)
            self.scrape(users=0)

    def summary(self) -> ServerHealthSummary:
        now = time.monotonic()
        return {
            "targets": self.urls,
            "series": self.health.summary(now),
            "leaks": self.health.leaks(now),
            "errors": list(self.errors.values()),
        }
