"""The summary dict: what ``WebSocketMetrics.summary()`` returns and every report renders.

One JSON-ready dict feeds the console table, the CSV, the JSON file, the HTML section and the web UI
tab, so they cannot disagree; the ``TypedDict`` s here say what it holds, as Locust's
``StatsEntryDict`` does for its own stats, and are the signatures of every renderer. Times in
milliseconds, rates as fractions (0.01 is 1 %), per-second values as floats. Types only: nothing
here measures or renders.
"""

import sys
from typing import Literal, get_args

if sys.version_info >= (3, 11):
    from typing import NotRequired, TypedDict
else:  # Python 3.10's TypedDict knows no NotRequired; Locust depends on typing_extensions
    from typing_extensions import NotRequired, TypedDict

PercentileKey = Literal["p50_ms", "p90_ms", "p95_ms", "p99_ms", "p99.9_ms"]
"""The summary keys of ``histograms.REPORTED_PERCENTILES`` (``percentile_label`` + ``_ms``)."""
TimeKey = Literal["min_ms", "avg_ms", PercentileKey, "max_ms"]
"""Every latency statistic of a row, in milliseconds."""
PERCENTILE_KEYS: tuple[PercentileKey, ...] = get_args(PercentileKey)
TIME_KEYS: tuple[TimeKey, ...] = get_args(TimeKey)
"""``min_ms``, ``avg_ms``, the percentiles, ``max_ms``: the order of the CSV's and HTML's columns."""

# Functional syntax: "p99.9_ms" is no identifier. The time keys are TimeKey's, which a test holds
# to; a row without samples has None for each of them.
LatencyStats = TypedDict(
    "LatencyStats",
    {
        "count": int,
        "failures": int,
        "samples": int,
        "min_ms": float | None,
        "avg_ms": float | None,
        "p50_ms": float | None,
        "p90_ms": float | None,
        "p95_ms": float | None,
        "p99_ms": float | None,
        "p99.9_ms": float | None,
        "max_ms": float | None,
    },
)
"""Events, failures and latency samples of a row (failed samples with a time included)."""


class LatencyRow(LatencyStats):
    """One row: a request type, kind and name, e.g. ``WS``, ``connect``, ``connect /echo``."""

    type: str
    kind: str
    """A ``sessions.events.Kind`` value, or ``send_blocked``."""
    name: str


class KindLatency(LatencyStats):
    """The rows of one kind merged over names and request types."""

    kind: str


class TagLatency(LatencyStats):
    """The events of one kind with one set of tags (``tags=``), merged over names and request types."""

    kind: str
    tags: dict[str, str]
    """``{"feed": "orders"}``; ``{"(other tags)": ""}`` for the row pooling the tags of a kind beyond
    ``collector.MAX_TAG_SETS``."""
    selector: str
    """As a threshold selects it: ``fanout{feed:orders}``."""


class LiveRates(TypedDict):
    """Traffic per second over the last seconds (``timeline.RATE_WINDOW_S``), not the run average."""

    messages_in_per_s: float
    messages_out_per_s: float
    bytes_in_per_s: float
    bytes_out_per_s: float


class WorkerSummary(TypedDict):
    """A worker's open-connections gauge as the master last heard it."""

    worker: str
    """Its label: ``worker 2``."""
    open_connections: int
    open_connections_peak: int
    missing: bool
    """Locust lost it: its connections no longer count as open."""


class TimelineSummary(TypedDict):
    """The run over time, for the charts: ``[second, messages in/s, messages out/s, open connections]``
    per point, each point covering ``width_s`` seconds."""

    width_s: int
    points: list[list[float]]


class ThresholdVerdict(TypedDict):
    """One threshold judged on the run."""

    threshold: str
    """As written: ``connect:p95<500ms``."""
    passed: bool
    observed: float | None
    """In the threshold's unit (ms, a fraction or a plain number); ``None`` without samples."""
    observed_text: str


class ServerSeriesSummary(TypedDict):
    """One series scraped from the target's Prometheus endpoint, in the target's unit."""

    series: str
    """Its name (``process_open_fds``), prefixed with the target when several are scraped."""
    baseline: float | None
    """Before the load (the lowest value seen while no user ran)."""
    peak: float | None
    last: float | None
    after_drop: float | None
    """The lowest value after the user count last dropped."""
    samples: int
    returned: bool | None
    """Back within tolerance of the baseline in time; ``None`` until judged (and for counters)."""
    verdict: str
    """As the console prints it: ``process_open_fds 512 after ramp-down vs 12 before: did not return
    (leak?)``."""


class ServerHealthSummary(TypedDict):
    """The target's health beside the load (``--ws-server-metrics``)."""

    targets: list[str]
    series: list[ServerSeriesSummary]
    leaks: list[str]
    """The series that did not return to their baseline."""
    errors: list[str]
    """The first failed scrape of each target (it is warned about once; the run goes on)."""


class HostVersions(TypedDict):
    locust_ws: str
    locust: str
    python: str


class HostSummary(TypedDict):
    """One load generator (a worker, or the single process): what ran where."""

    worker: str
    """``worker 2``, or ``local`` for a single process."""
    host: str
    pid: int
    open_files_limit: int
    """The soft ``RLIMIT_NOFILE`` after locust-ws raised it; -1 for unlimited."""
    open_files_hard_limit: int
    port_range: list[int] | None
    """``[first, last]`` of ``/proc/sys/net/ipv4/ip_local_port_range``; ``None`` where unknown."""
    versions: HostVersions
    planned_users: int
    """The most users this process was asked to run."""
    connections_peak: int
    warnings: list[str]
    """Where ``planned_users`` exceed the open-files limit or the port range."""


class BreakpointSummary(TypedDict):
    """What a ``Breakpoint`` shape found (``patterns.breakpoint``)."""

    found: bool
    """A stop condition held at the end of a step; ``False`` while searching or when ``max_users``
    was reached with the target coping."""
    sustained_users: int
    """The users of the last step that ended with no stop condition true."""
    step: int
    broken_at_s: float | None
    broken_by: list[str]
    """The stop conditions that held at the breakpoint."""
    at_sustained: dict[str, float | None]
    """At the end of the last sustained step: ``open_connections`` (the highest connection count
    sustained), ``connect_p95_ms``, ``handshake_failure_rate``, each condition's value and the
    server series (``server:NAME``, their last value)."""
    max_users_reached: bool


class KindPercentiles(TypedDict):
    """One kind's latency over the recent window at each chart sample; ``None`` with no samples."""

    p50_ms: list[float | None]
    p99_ms: list[float | None]


class ChartsSummary(TypedDict):
    """The web UI tab's and the HTML report's charts: one column per series, one entry per sample
    (``metrics.history.ChartHistory``), every ``interval_s`` seconds."""

    interval_s: float
    time: list[float]
    """Epoch seconds of each sample."""
    open_connections: list[int]
    workers: dict[str, list[int | None]]
    """Master only: each worker's open connections (the busiest ``MAX_WORKER_SERIES``, the rest
    summed as one ``others`` series); ``None`` before a worker's first report."""
    messages_in_per_s: list[float]
    messages_out_per_s: list[float]
    bytes_in_per_s: list[float]
    bytes_out_per_s: list[float]
    latency: dict[str, KindPercentiles]
    """By kind: p50 and p99 of the events of the last ``LATENCY_WINDOW`` samples."""


class WebSocketSummary(TypedDict):
    """Everything one run measured; ``thresholds`` and ``aborted`` once it is judged
    (``reports.summary.with_thresholds``)."""

    duration_s: float
    metrics: dict[str, float | None]
    """Every ``SCALAR_METRICS`` value by key, in the table's order; ``None`` for a rate of nothing."""
    current: LiveRates
    workers: list[WorkerSummary]
    """Master only, by label; empty in a single process."""
    close_codes: dict[str, int]
    """Close code (as text: JSON keys are strings) -> connections that ended with it."""
    latency: list[LatencyRow]
    latency_by_kind: list[KindLatency]
    """The kinds that have samples."""
    latency_by_tag: list[TagLatency]
    """Every (kind, tags) of tagged events, samples or not (counts alone for ``send``)."""
    timeline: TimelineSummary
    thresholds: NotRequired[list[ThresholdVerdict]]
    server: NotRequired[ServerHealthSummary]
    """With ``--ws-server-metrics``: the target's own series and the leak verdict."""
    hosts: NotRequired[list[HostSummary]]
    """Every load generator: host, limits, versions, load (``cluster.host_info``)."""
    breakpoint: NotRequired[BreakpointSummary]
    """With a ``Breakpoint`` shape: the highest load the target sustained."""
    aborted: NotRequired[str | None]
    """Why the run was stopped early by a failing threshold; ``None`` when it was not."""
    charts: NotRequired[ChartsSummary]
    """On a master or single process: the series over time the tab and the report chart."""
