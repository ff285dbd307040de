"""How locust-ws plugs its metrics into a Locust run.

Every Locust listener of locust-ws and every ``--ws-*`` option is here, so this module is the one
place to read how the extension hooks in. Importing ``locust_ws`` (any locustfile's ``from
locust_ws import ...``) registers two listeners on Locust's global events: one adds the options
(one argument group), the other sets up every process of a run: the demo server when there is no
host, the open-files limit, the master's user-index service, and

- a ``WebSocketMetrics`` fed by ``request`` events; a worker ships it with every report
  (``report_to_master``), with a description of its host (``cluster.host_info``), and the master
  merges the reports (``worker_report``);
- with Locust's ``--otel``, where users run (a worker or the one process): the same events as
  OpenTelemetry instruments (``reports.otel``);
- on the master or single process: the web UI tab, the thresholds (evaluated over the whole cluster
  when Locust quits, turned into ``environment.process_exit_code``, optionally aborting the run
  early), the scrape of the target's Prometheus endpoint (``--ws-server-metrics``), the judge of a
  ``Breakpoint`` shape's stop conditions, and the end-of-run reports: the console table under
  Locust's own, ``PREFIX_ws.csv`` with ``--csv``, the WebSocket section of ``--html`` and
  ``--ws-json FILE`` and, beside Locust's ``--json-file NAME``, ``NAME.ws.json``.

Events without ``ws_kind`` cost the request listener one dictionary lookup, so a run without
WebSocket users pays nothing noticeable.
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from typing import Any
from weakref import WeakKeyDictionary

import gevent
from locust import events
from locust.env import Environment
from locust.runners import STATE_MISSING, MasterRunner, WorkerRunner
from locust.stats import StatsEntry

from . import preflight
from .autostart import demo_problems, start_demo_if_needed
from .cluster import open_files
from .cluster.host_info import HOST_KEY, MalformedHost, check_host, describe_host
from .cluster.user_index import user_indexes
from .metrics.collector import WebSocketMetrics
from .metrics.history import ChartHistory, KindLatencyWindow
from .metrics.server_health import (
    DEFAULT_SERIES,
    DEFAULT_SETTLE_S,
    DEFAULT_TOLERANCE,
    SERVER_PREFIX,
    ServerHealth,
)
from .metrics.summary_types import BreakpointSummary, HostSummary, WebSocketSummary
from .metrics.thresholds import (
    DEFAULT_EXIT_CODE,
    LatencyRows,
    Threshold,
    ThresholdError,
    ThresholdResult,
    evaluate,
    format_results,
    parse_threshold,
    parse_thresholds,
)
from .options import (
    exit_code,
    fraction,
    http_url,
    metric_name,
    non_negative_number,
    positive_number,
    source_addresses,
    writable_file,
    writable_prefix,
)
from .patterns.breakpoint import Breakpoint
from .reports.hosts import install_host_scrubbing, scrub_hosts, secret_hosts
from .reports.html import inject_section, render_section
from .reports.locust_stats import BLANK_CELLS_SCRIPT, blank_untimed_cells, install_blank_cells_script
from .reports.otel import attach_otel
from .reports.summary import (
    format_console,
    format_csv,
    format_json,
    with_breakpoint,
    with_charts,
    with_hosts,
    with_server,
    with_thresholds,
)
from .reports.webui import install_tab
from .server_scrape import DEFAULT_INTERVAL_S, ServerScraper
from .sessions.events import Tags

logger = logging.getLogger(__name__)
console = logging.getLogger("locust.stats_logger")
"""Locust prints its own tables through this logger; ours go the same way, right below them."""

REPORT_KEY = "locust_ws"
"""The key of the metrics in a worker's report to the master."""
ABORT_CHECK_INTERVAL_S = 2.0
WS_JSON_SUFFIX = ".ws.json"
"""``--json-file NAME``: Locust writes ``NAME.json``, locust-ws its summary to ``NAME.ws.json``."""

_attached: WeakKeyDictionary[Environment, WebSocketMetrics] = WeakKeyDictionary()
_locustfile_thresholds: list[Threshold] = []
_locustfile_threshold_errors: list[str] = []
_locustfile_server_metrics: list[str] = []
_locustfile_server_series: list[str] = []


def add_server_metrics(*urls: str, series: tuple[str, ...] | list[str] = ()) -> None:
    """Prometheus endpoints of the target to scrape beside the load, in addition to
    ``--ws-server-metrics``; ``series`` adds names to watch (``--ws-server-metric``)::

        add_server_metrics("http://127.0.0.1:8765/metrics", series=["demo_open_connections"])
    """
    _locustfile_server_metrics.extend(urls)
    _locustfile_server_series.extend(series)


def add_thresholds(*expressions: str) -> None:
    """Pass/fail criteria from a locustfile, in addition to ``--ws-threshold``::

        add_thresholds("connect:p95<500ms", "handshake_failure_rate<1%")

    An invalid expression stops the run at start-up, before any load, with the message a bad
    ``--ws-threshold`` gets and exit code 2 (raising here, while Locust imports the locustfile,
    would print a traceback instead)."""
    for expression in expressions:
        try:
            _locustfile_thresholds.append(parse_threshold(expression))
        except ThresholdError as error:
            _locustfile_threshold_errors.append(f"add_thresholds(): {error}")


def attach_metrics(environment: Environment) -> WebSocketMetrics:
    """The ``WebSocketMetrics`` of ``environment``, created and fed from its events on first use.

    Locust runs get it automatically; call it for an ``Environment`` built in code."""
    metrics = _attached.get(environment)
    if metrics is not None:
        return metrics
    metrics = _attached[environment] = WebSocketMetrics()
    hooks = environment.events
    hooks.request.add_listener(metrics.record)
    hooks.test_start.add_listener(lambda **_kwargs: metrics.reset())
    hooks.test_stop.add_listener(lambda **_kwargs: metrics.stop())
    hooks.reset_stats.add_listener(metrics.reset)

    def on_spawning_complete(**_kwargs: Any) -> None:
        if environment.reset_stats:  # --reset-stats: Locust resets its stats at this moment too
            metrics.reset()

    planned = [0]

    def on_report_to_master(client_id: str, data: dict[str, Any], **_kwargs: Any) -> None:
        data[REPORT_KEY] = metrics.take_report()
        runner = environment.runner
        if runner is not None:
            planned[0] = max(planned[0], runner.target_user_count or 0, runner.user_count)
        data[HOST_KEY] = describe_host(planned[0], _connections_peak(metrics))

    def on_worker_report(client_id: str, data: dict[str, Any], **_kwargs: Any) -> None:
        report = data.get(REPORT_KEY)
        runner = environment.runner
        if report is None or not isinstance(runner, MasterRunner):
            return
        metrics.merge_report(client_id, f"worker {runner.get_worker_index(client_id)}", report)
        note_missing_workers(runner, metrics)

    hooks.spawning_complete.add_listener(on_spawning_complete)
    hooks.report_to_master.add_listener(on_report_to_master)
    hooks.worker_report.add_listener(on_worker_report)
    return metrics


def _connections_peak(metrics: WebSocketMetrics) -> int:
    return int(metrics.value("open_connections_peak") or 0)


def note_missing_workers(runner: Any, metrics: WebSocketMetrics) -> None:
    """Drop the open connections of workers Locust marked missing (a killed worker, a lost network):
    Locust fires no event for that, so this runs with every report and every summary."""
    if not isinstance(runner, MasterRunner):
        return
    for worker_id in list(metrics.workers):
        node = runner.clients.get(worker_id)
        if node is not None and node.state == STATE_MISSING:
            metrics.worker_missing(worker_id)


def _threshold_argument(text: str) -> str:
    """argparse ``type``: rejects invalid syntax with a readable message before anything starts.
    The text itself is kept (options travel to workers and must stay plain strings)."""
    try:
        parse_threshold(text)
    except ThresholdError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


class _WebUiGroup:
    """An argument group that takes ``LocustArgumentParser``'s web UI keywords (argparse's groups
    refuse them, and an action without ``include_in_web_ui`` is left out of the start form) and
    gives every option its environment variable the way Locust names its own: ``--ws-json`` is
    ``LOCUST_WS_JSON``. ``locust.conf`` takes the option's name (``ws-json = run.json``)."""

    def __init__(self, group: Any) -> None:
        self._group = group

    def add_argument(self, option: str, *args: Any, include_in_web_ui: bool = False, **kwargs: Any) -> Any:
        kwargs.setdefault("env_var", "LOCUST_" + option.lstrip("-").upper().replace("-", "_"))
        action = self._group.add_argument(option, *args, **kwargs)
        action.include_in_web_ui = include_in_web_ui
        action.is_secret = action.is_required = action.is_multiple = False
        return action


@events.init_command_line_parser.add_listener
def _add_options(parser: Any, **_kwargs: Any) -> None:
    _check_locust_outputs(parser)
    group = _WebUiGroup(
        parser.add_argument_group("locust-ws", "WebSocket load: connects, metrics, reports, CI thresholds")
    )
    group.add_argument(
        "--ws-threshold",
        action="append",
        default=[],
        type=_threshold_argument,
        metavar="EXPR",
        help="Pass/fail criterion evaluated over the whole run, e.g. 'connect:p95<500ms', "
        "'handshake_failure_rate<1%%', 'close_code_1006<10'. Repeatable.",
    )
    group.add_argument(
        "--ws-threshold-exit-code",
        type=exit_code,
        default=DEFAULT_EXIT_CODE,
        metavar="N",
        help=f"Exit code when a threshold fails (default {DEFAULT_EXIT_CODE}).",
    )
    group.add_argument(
        "--ws-threshold-abort",
        action="store_true",
        help="Stop the run as soon as a threshold fails while it runs (after the grace period).",
    )
    group.add_argument(
        "--ws-threshold-abort-grace",
        type=non_negative_number,
        default=10.0,
        metavar="SECONDS",
        help="Seconds into the test before --ws-threshold-abort starts checking (default 10).",
    )
    group.add_argument(
        "--ws-json",
        metavar="FILE",
        type=writable_file,
        help="Write the WebSocket summary as JSON to FILE at the end.",
    )
    group.add_argument(
        "--ws-server-metrics",
        action="append",
        default=[],
        type=http_url,
        metavar="URL",
        help="The target's Prometheus endpoint, scraped by the master every few seconds; its series "
        "appear in every report and in thresholds ('server:process_open_fds<10000'). Repeatable.",
    )
    group.add_argument(
        "--ws-server-metric",
        action="append",
        default=[],
        type=metric_name,
        metavar="NAME",
        help="A series to watch on --ws-server-metrics (repeatable; default: "
        + ", ".join(DEFAULT_SERIES).replace("%", "%%")
        + ", each when present).",
    )
    group.add_argument(
        "--ws-server-scrape-interval",
        type=positive_number,
        default=DEFAULT_INTERVAL_S,
        metavar="SECONDS",
        help=f"Seconds between scrapes of --ws-server-metrics (default {DEFAULT_INTERVAL_S:g}).",
    )
    group.add_argument(
        "--ws-server-leak-tolerance",
        type=fraction,
        default=DEFAULT_TOLERANCE,
        metavar="FRACTION",
        help="After the user count drops, a series has returned once within this fraction of its "
        f"rise (or of the baseline, if larger) of the baseline (10%% or 0.1; default {DEFAULT_TOLERANCE:g}).",
    )
    group.add_argument(
        "--ws-server-leak-settle",
        type=non_negative_number,
        default=DEFAULT_SETTLE_S,
        metavar="SECONDS",
        help="Seconds a series has to return to its baseline after the user count drops, else it is "
        f"reported as a possible leak (default {DEFAULT_SETTLE_S:g}).",
    )
    group.add_argument(
        "--ws-connect-rate",
        type=non_negative_number,
        default=0.0,
        include_in_web_ui=True,
        help="At most this many new WebSocket connections per second across the whole cluster, "
        "split evenly across workers; applies to reconnects too (0 = no cap).",
    )
    group.add_argument(
        "--ws-connect-jitter",
        type=non_negative_number,
        default=0.0,
        include_in_web_ui=True,
        help="Each user waits a random 0..N seconds before its first connect (0 = off).",
    )
    group.add_argument(
        "--ws-source-addresses",
        type=source_addresses,
        default="",
        metavar="ADDRESSES",
        env_var="LOCUST_WS_SOURCE_ADDRESSES",
        help="Local IPs or networks to connect from, one per user round-robin by user index, e.g. "
        "'127.0.0.2/31' or '10.0.0.5,10.0.0.6': each adds a port range of connections per server.",
    )


_OUTPUT_TYPES = {"csv_prefix": writable_prefix, "html_file": writable_file, "json_file": writable_file}
"""Locust's own output options, given the same start-up check as ``--ws-json``."""


def _check_locust_outputs(parser: Any) -> None:
    """Give Locust's ``--csv``, ``--html`` and ``--json-file`` a ``type`` that refuses an unwritable
    path at start-up (argparse has no public way to reach an action; ``_actions`` is stable)."""
    for action in parser._actions:
        if action.dest in _OUTPUT_TYPES and action.type is None:
            action.type = _OUTPUT_TYPES[action.dest]


@events.init.add_listener
def _on_init(environment: Environment, web_ui: Any = None, **_kwargs: Any) -> None:
    _refuse_bad_input(environment)
    start_demo_if_needed(environment)
    open_files.install(environment)
    if environment.runner is not None:
        # The master answers index requests from its first worker on: listen before any spawn.
        user_indexes(environment.runner)
    metrics = attach_metrics(environment)
    options = environment.parsed_options
    if getattr(options, "otel", False) and not isinstance(environment.runner, MasterRunner):
        attach_otel(environment)  # where the events fire: workers, or the one process
    if isinstance(environment.runner, WorkerRunner):
        return
    blank_untimed_cells(environment.stats)
    thresholds = [*_locustfile_thresholds, *parse_thresholds(getattr(options, "ws_threshold", None) or [])]
    run = RunJudge(environment, metrics, thresholds, _server_scraper(environment))
    if isinstance(environment.shape_class, Breakpoint):
        run.search_breakpoint(environment.shape_class)
    if web_ui is not None:
        install_tab(web_ui, run.summary)
        install_host_scrubbing(web_ui, environment)
        install_blank_cells_script(web_ui)


def _server_scraper(environment: Environment) -> ServerScraper | None:
    """The scraper of ``--ws-server-metrics`` and ``add_server_metrics()``, if any URL is given."""
    options = environment.parsed_options
    urls = [*_locustfile_server_metrics, *(getattr(options, "ws_server_metrics", None) or [])]
    if not urls:
        return None
    names = [*_locustfile_server_series, *(getattr(options, "ws_server_metric", None) or [])]
    health = ServerHealth(
        names=names or DEFAULT_SERIES,
        tolerance=getattr(options, "ws_server_leak_tolerance", DEFAULT_TOLERANCE),
        settle_s=getattr(options, "ws_server_leak_settle", DEFAULT_SETTLE_S),
    )
    runner = environment.runner
    return ServerScraper(
        urls,
        health,
        users=lambda: runner.user_count if runner is not None else 0,
        interval_s=getattr(options, "ws_server_scrape_interval", DEFAULT_INTERVAL_S),
    )


class _LocustRow:
    """One of Locust's stats entries as a threshold reads a row, taken when it is judged: its
    response times are whole milliseconds (Locust rounds them), its percentiles Locust's own."""

    def __init__(self, entry: StatsEntry) -> None:
        self.entry = entry
        self.histogram = self
        self.count = int(entry.num_requests)
        self.failures = int(entry.num_failures)
        self.min_ms = float(entry.min_response_time or 0.0)
        self.max_ms = float(entry.max_response_time)
        self.avg_ms = float(entry.avg_response_time)

    def percentile_ms(self, percentile: float) -> float:
        return float(self.entry.get_response_time_percentile(percentile / 100.0) or 0.0)  # None: no time


class _JudgedSource:
    """What thresholds read: our metrics, and the target's series for ``server:...``."""

    def __init__(
        self, environment: Environment, metrics: WebSocketMetrics, scraper: ServerScraper | None
    ) -> None:
        self.metrics_environment = environment
        self.metrics = metrics
        self.scraper = scraper

    def select(self, selector: str) -> LatencyRows | None:
        """Our rows first; else one of Locust's own (``POST /login``, ``/login``), so a threshold
        can gate the HTTP requests of a locustfile too."""
        rows = self.metrics.select(selector)
        if rows is not None:
            return rows
        stats = self.metrics_environment.stats
        method, _, name = selector.partition(" ")
        entries = [
            entry
            for (entry_name, entry_method), entry in stats.entries.items()
            if (entry_method, entry_name) == (method, name) or (entry_name == selector and entry.num_requests)
        ]
        return _LocustRow(entries[0]) if len(entries) == 1 else None

    def select_tagged(self, kind: str, tags: Tags) -> LatencyRows | None:
        """Our tagged rows (Locust's own rows have no tags)."""
        return self.metrics.select_tagged(kind, tags)

    def value(self, metric: str) -> float | None:
        if metric.startswith(SERVER_PREFIX) or metric == "server_leaks":
            if self.scraper is None:
                return None
            return self.scraper.health.value(metric, time.monotonic())
        return self.metrics.value(metric)


def _refuse_bad_input(environment: Environment) -> None:
    """Exit with code 2 (``preflight.refuse``) on bad user classes, hosts or locustfile thresholds
    (output paths are options, checked by argparse); a worker checks only its classes (the rest
    is the master's)."""
    classes = preflight.realtime_classes(environment)
    problems = preflight.class_problems(classes)
    if not isinstance(environment.runner, WorkerRunner):
        preflight.warn_misspellings(classes)
        problems += _locustfile_threshold_errors
        problems += _breakpoint_problems(environment)
        problems += preflight.host_problems(environment, classes)
        problems += demo_problems(environment)
    if problems:
        preflight.refuse(problems)


def _breakpoint_problems(environment: Environment) -> list[str]:
    """A ``Breakpoint`` shape whose ``stop_when`` is no valid threshold expression."""
    shape = environment.shape_class
    if not isinstance(shape, Breakpoint):
        return []
    try:
        parse_thresholds(shape._conditions)
    except ThresholdError as error:
        return [f"{type(shape).__name__}.stop_when: {error}"]
    return []


_SNAPSHOT = {
    "connect_p95_ms": parse_threshold("connect:p95<0"),
    "handshake_failure_rate": parse_threshold("handshake_failure_rate<0"),
    "open_connections": parse_threshold("open_connections<0"),
}
"""What a breakpoint keeps of each sustained step besides its conditions and the server series."""


def _snapshot_key(condition: Threshold) -> str:
    """A condition's value in a breakpoint snapshot, named so reports show it in its unit:
    ``connect:p95_ms``, ``handshake_failure_rate``, ``close_code_1006``."""
    key = f"{condition.metric}:{condition.statistic}" if condition.statistic else condition.metric
    return key + "_ms" if condition.unit == "ms" else key


class RunJudge:
    """The leading process's end of a run: thresholds (with the early abort) and the reports."""

    def __init__(
        self,
        environment: Environment,
        metrics: WebSocketMetrics,
        thresholds: list[Threshold],
        scraper: ServerScraper | None = None,
    ) -> None:
        self.environment = environment
        self.metrics = metrics
        self.thresholds = thresholds
        self.scraper = scraper
        self.source = _JudgedSource(environment, metrics, scraper)
        self.breakpoint: Breakpoint | None = None
        self.hosts: dict[str, HostSummary] = {}
        """By worker id: each worker's last self-description (master only)."""
        self._host_warnings: set[str] = set()
        self._malformed_hosts: set[str] = set()
        self.users_peak = 0
        options = environment.parsed_options
        self.exit_code: int = getattr(options, "ws_threshold_exit_code", DEFAULT_EXIT_CODE)
        self.abort_grace: float = getattr(options, "ws_threshold_abort_grace", 10.0)
        self.results: list[ThresholdResult] | None = None
        """The final verdicts, once Locust is quitting."""
        self.aborted: str | None = None
        """Why the run was stopped early, if it was."""
        self._watcher: gevent.Greenlet | None = None
        self.history = ChartHistory()
        self._sampler: gevent.Greenlet | None = None
        metrics.chart_latency = KindLatencyWindow()
        hooks = environment.events
        hooks.test_start.add_listener(self._start_charting)
        hooks.test_stop.add_listener(self._stop_charting)
        hooks.spawning_complete.add_listener(self._note_users)
        hooks.worker_report.add_listener(self._note_host)
        if thresholds and getattr(options, "ws_threshold_abort", False):
            hooks.test_start.add_listener(self._start_watching)
            hooks.test_stop.add_listener(self._stop_watching)
        if scraper is not None:
            hooks.test_start.add_listener(lambda **_kwargs: scraper.start())
            hooks.test_stop.add_listener(lambda **_kwargs: scraper.settle())
        hooks.quitting.add_listener(self._judge)
        hooks.quit.add_listener(self._report)

    def _note_users(self, user_count: int = 0, **_kwargs: Any) -> None:
        self.users_peak = max(self.users_peak, user_count)

    def _note_host(self, client_id: str, data: dict[str, Any], **_kwargs: Any) -> None:
        """Keep a worker's self-description; warn once per worker about each of its shortfalls."""
        runner = self.environment.runner
        if HOST_KEY not in data or not isinstance(runner, MasterRunner):
            return
        label = f"worker {runner.get_worker_index(client_id)}"
        try:
            host = check_host(data[HOST_KEY], label)
        except MalformedHost as error:
            if client_id not in self._malformed_hosts:
                self._malformed_hosts.add(client_id)
                logger.warning("locust-ws: %s sent a malformed host description, ignored: %s", label, error)
            return
        self.hosts[client_id] = host
        for warning in host["warnings"]:
            if warning not in self._host_warnings:
                self._host_warnings.add(warning)
                logger.warning("locust-ws: %s", warning)

    def host_summaries(self) -> list[HostSummary]:
        """Every load generator: the workers as they last described themselves, or this process."""
        if isinstance(self.environment.runner, MasterRunner):
            hosts: list[HostSummary] = []
            for worker_id, host in self.hosts.items():
                gauge = self.metrics.workers.get(worker_id)  # the master's own count of it
                hosts.append(host | {"connections_peak": gauge.peak} if gauge else host)
            return sorted(hosts, key=lambda host: (len(host["worker"]), host["worker"]))
        runner = self.environment.runner
        planned = max(self.users_peak, runner.user_count if runner is not None else 0)
        return [describe_host(planned, _connections_peak(self.metrics))]

    def search_breakpoint(self, shape: Breakpoint) -> None:
        """Give ``shape`` its judge: its stop conditions read the cluster-wide numbers here, as
        thresholds do."""
        self.breakpoint = shape
        conditions = parse_thresholds(shape._conditions)

        def judge() -> list[str]:
            note_missing_workers(self.environment.runner, self.metrics)
            crossed = [result for result in evaluate(conditions, self.source) if result.passed]
            for result in crossed:
                logger.warning(
                    "locust-ws: breakpoint: %s (observed %s)", result.threshold.text, result.observed_text()
                )
            return [result.threshold.text for result in crossed]

        def snapshot() -> dict[str, float | None]:
            values = {key: threshold.observe(self.source) for key, threshold in _SNAPSHOT.items()}
            values |= {_snapshot_key(condition): condition.observe(self.source) for condition in conditions}
            if self.scraper is not None:
                values |= {f"server:{row['series']}": row["last"] for row in self.scraper.summary()["series"]}
            logger.info("locust-ws: breakpoint search: sustained %s", values)
            return values

        shape.judge_with(judge, snapshot)

    def breakpoint_summary(self) -> BreakpointSummary | None:
        if self.breakpoint is None:
            return None
        search = self.breakpoint.search
        return {
            "found": bool(search.broken_by),
            "sustained_users": search.sustained,
            "step": search.step,
            "broken_at_s": search.broken_at,
            "broken_by": search.broken_by,
            "at_sustained": search.sustained_at,
            "max_users_reached": search.exhausted,
        }

    def summary(self) -> WebSocketSummary:
        """The summary with threshold verdicts (live ones until the run is judged)."""
        note_missing_workers(self.environment.runner, self.metrics)
        results = self.results if self.results is not None else evaluate(self.thresholds, self.source)
        summary = self.metrics.summary()
        if self.scraper is not None:
            summary = with_server(summary, self.scraper.summary())
        if (found := self.breakpoint_summary()) is not None:
            summary = with_breakpoint(summary, found)
        summary = with_hosts(summary, self.host_summaries())
        summary = with_charts(summary, self.history.summary())
        return with_thresholds(summary, results, self.aborted)

    def _start_charting(self, **_kwargs: Any) -> None:
        """A new test: new charts, one sample every ``history.interval_s`` seconds."""
        self._stop_sampler()
        self.history = ChartHistory()
        self.metrics.chart_latency = KindLatencyWindow()  # nothing of the last test in the first sample
        self._sampler = gevent.spawn(self._sample)

    def _sample(self) -> None:
        while True:
            gevent.sleep(self.history.interval_s)
            note_missing_workers(self.environment.runner, self.metrics)
            self.history.add(self.metrics.chart_sample())

    def _stop_charting(self, **_kwargs: Any) -> None:
        """The test stopped: one last sample (the charts end where the tables do)."""
        if self._stop_sampler():
            self.history.add(self.metrics.chart_sample())

    def _stop_sampler(self) -> bool:
        sampler, self._sampler = self._sampler, None
        if sampler is None:
            return False
        sampler.kill(block=False)
        return True

    def _start_watching(self, **_kwargs: Any) -> None:
        self._stop_watching()
        self._watcher = gevent.spawn(self._watch)

    def _stop_watching(self, **_kwargs: Any) -> None:
        watcher, self._watcher = self._watcher, None
        if watcher is not None and watcher is not gevent.getcurrent():
            watcher.kill(block=False)

    def _watch(self) -> None:
        while True:
            gevent.sleep(ABORT_CHECK_INTERVAL_S)
            if self.metrics.duration() < self.abort_grace:
                continue
            crossed = [
                result
                for result in evaluate(self.thresholds, self.source)
                if result.observed is not None and not result.passed
            ]
            if crossed:
                self.aborted = (
                    f"{crossed[0].threshold.text} was {crossed[0].observed_text()} "
                    f"after {self.metrics.duration():.0f} s"
                )
                logger.error("locust-ws: threshold failed, stopping the run: %s", self.aborted)
                runner = self.environment.runner
                assert runner is not None  # the watcher starts with a test, which has a runner
                if getattr(self.environment.parsed_options, "headless", False):
                    runner.quit()
                else:
                    runner.stop()
                return

    def _judge(self, **_kwargs: Any) -> None:
        self._stop_watching()
        self.results = evaluate(self.thresholds, self.source)
        if self.aborted or not all(result.passed for result in self.results):
            self.environment.process_exit_code = self.exit_code

    def _report(self, **_kwargs: Any) -> None:
        options = self.environment.parsed_options
        measured = bool(self.metrics.events or self.thresholds or self.scraper or self.breakpoint)
        summary = self.summary() if measured else None
        html_file = getattr(options, "html_file", None)
        if html_file and os.path.exists(html_file):  # Locust wrote its report before quitting
            self._rewrite_html(html_file, summary)
        if summary is None:
            return
        # Locust's console logger writes to stderr: with --json (Locust's stats on stdout, its own
        # tables left out) our table still shows there, and stdout stays one JSON document.
        console.info(format_console(summary))
        console.info("")
        if self.thresholds:
            table = format_results(self.results or [], self.exit_code)
            if self.aborted:
                table += f"\naborted early: {self.aborted}"
            console.info(table)
            console.info("")
        csv_prefix = getattr(options, "csv_prefix", None)
        if csv_prefix:
            _write(f"{csv_prefix}_ws.csv", format_csv(summary))
        json_file = getattr(options, "ws_json", None)
        if json_file:
            _write(json_file, format_json(summary))
        locust_json = getattr(options, "json_file", None)
        if locust_json:  # Locust writes NAME.json, a list of its stats entries: ours goes beside it
            _write(f"{locust_json}{WS_JSON_SUFFIX}", format_json(summary))

    def _rewrite_html(self, html_file: str, summary: WebSocketSummary | None) -> None:
        """Locust's report with the host's secrets scrubbed and, when there is one, our section."""
        with open(html_file, encoding="utf-8") as file:
            report = inject_section(
                scrub_hosts(file.read(), secret_hosts(self.environment)), BLANK_CELLS_SCRIPT
            )
        if summary is not None:
            report = inject_section(report, render_section(summary))
        _write(html_file, report)


def _write(path: str, text: str) -> None:
    try:
        if directory := os.path.dirname(path):
            os.makedirs(directory, exist_ok=True)
        with open(path, "w", encoding="utf-8") as file:
            file.write(text)
    except OSError as error:
        logger.error("locust-ws could not write %s: %s", path, error)
