"""Real runs against a counting server: locust-ws in ``locust --headless``, k6, Artillery (when
``npm ci --prefix benchmarks/artillery`` installed it) and the bare websocket-client loop, each a
separate process pinned to the generator core, loading the Node ``ws``/``socket.io`` server
(``servers/echo_server.js``) pinned to the server core.

Every rate is read from the server's counters (``GET /stats``), the same way for every generator,
so no generator's own bookkeeping enters a figure. A measurement waits until the generator is
ready (all its connections open, or traffic flowing), lets it settle, then takes the server's
counters and both processes' CPU seconds at the start and the end of the window: the server
reports its own CPU, the generator's comes from ``/proc``. RSS is the generator's ``VmRSS`` at the
end of the window.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from payloads import MESSAGE_ID, RAW_MESSAGE, SIO_MESSAGE, SIO_RAW_MESSAGE
from procfs import process_cpu, process_rss_kib

from locust_ws.demo import stop_demo_process

HERE = Path(__file__).resolve().parent
SERVERS = HERE / "servers"
K6_SCRIPTS = HERE / "k6"
ARTILLERY_CLI = HERE / "artillery" / "node_modules" / "artillery" / "bin" / "run"
LOCUSTFILE = HERE / "headless_locustfile.py"
READY_TIMEOUT_S = 120.0
Ready = Callable[[dict, dict], bool]
"""``ready(stats_when_started, stats_now)``: whether the generator is ready to be measured."""
SPAWN_RATE = 1000
"""Users (k6: connections) started per second; the Node server accepts them as fast."""


def pin(core: int) -> list[str]:
    return ["taskset", "-c", str(core)] if shutil.which("taskset") and (os.cpu_count() or 1) >= 2 else []


def raise_open_files_limit() -> None:
    """Up to the hard limit, for this process and the servers and generators it starts (they inherit
    it): thousands of idle connections need as many descriptors on each side."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def find_k6() -> str | None:
    """``k6`` on PATH, else the one the ``bench`` extra (the ``k6`` PyPI package) put next to this
    Python; ``None`` when neither exists."""
    found = shutil.which("k6")
    if found:
        return found
    beside = Path(sys.executable).parent / "k6"
    return str(beside) if beside.is_file() and os.access(beside, os.X_OK) else None


class NodeTarget:
    """``servers/echo_server.js`` running pinned to core 0; its counters and CPU via ``/stats``."""

    def __init__(self, process: subprocess.Popen, port: int) -> None:
        self.process = process
        self.url = f"ws://127.0.0.1:{port}"
        self._stats_url = f"http://127.0.0.1:{port}/stats"

    @staticmethod
    def missing() -> str | None:
        """Why the Node server cannot run here, or ``None`` when it can."""
        if shutil.which("node") is None:
            return "node is not on PATH"
        missing = [name for name in ("ws", "socket.io") if not (SERVERS / "node_modules" / name).is_dir()]
        if missing:
            return f"{', '.join(missing)} not installed: run `npm ci --prefix benchmarks/servers`"
        return None

    @classmethod
    def start(cls) -> NodeTarget:
        process = subprocess.Popen(
            [*pin(0), "node", str(SERVERS / "echo_server.js")], cwd=SERVERS, stdout=subprocess.PIPE, text=True
        )
        assert process.stdout is not None
        listening = process.stdout.readline()
        if not listening:
            process.wait()
            raise RuntimeError(f"the Node echo server did not start (exit code {process.returncode})")
        return cls(process, json.loads(listening)["port"])

    def stats(self) -> dict:
        with urllib.request.urlopen(self._stats_url, timeout=5) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        stop_demo_process(self.process)


@dataclass(frozen=True)
class Generator:
    """How to start one load generator for ``users`` connections for at most ``run_s`` seconds."""

    name: str
    command: Callable[[str, int, float, Path], list[str]]
    """``command(url, users, run_s, result_file)``: the argument list, unpinned."""
    report: Callable[[Path], dict] | None = None
    """Reads the failures the generator wrote to its result file (``None``: it writes none)."""
    ready_line: str | None = None
    """Text the generator logs once every user started; the measurement waits for it too."""
    env: dict[str, str] | None = None
    """Variables added to the generator's environment."""


def locust_generator(user_class: str) -> Generator:
    """``user_class`` of ``headless_locustfile.py`` in one ``locust --headless`` process."""

    def command(url: str, users: int, run_s: float, result: Path) -> list[str]:
        arguments = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless"]
        arguments += ["-u", str(users), "-r", str(min(users, SPAWN_RATE)), "-H", url, "-t", f"{run_s:.0f}s"]
        # Locust adds ".json" to the name it is given
        return [*arguments, "--only-summary", "--json-file", str(result.with_suffix("")), user_class]

    return Generator("locust-ws", command, _locust_failures, ready_line="All users spawned")


def _locust_failures(result: Path) -> dict:
    """Failures per row from Locust's ``--json-file`` (written when it shuts down)."""
    try:
        rows = json.loads(result.read_text())
    except (OSError, ValueError):
        return {"failures": None, "errors": []}
    failing = [row for row in rows if row["num_failures"]]
    return {
        "failures": sum(row["num_failures"] for row in rows),
        "errors": [f"{row['num_failures']}x {row['method']} {row['name']}" for row in failing[:3]],
    }


def k6_generator(script: str, k6: str, per_vu: int = 1) -> Generator:
    """``k6/<script>.js`` with one VU per connection, or per ``per_vu`` connections (``PER_VU``)."""

    def command(url: str, users: int, run_s: float, result: Path) -> list[str]:
        arguments = [k6, "run", "--quiet", "--no-summary", "--no-usage-report", "--address", "127.0.0.1:0"]
        for name, value in [
            ("URL", url),
            ("VUS", users),
            ("PER_VU", per_vu),
            ("DURATION", f"{run_s:.0f}s"),
            ("MESSAGE", SIO_RAW_MESSAGE if script == "socketio" else RAW_MESSAGE),
        ]:
            arguments += ["-e", f"{name}={value}"]
        return [*arguments, str(K6_SCRIPTS / f"{script}.js")]

    return Generator("k6", command)


def find_artillery() -> str | None:
    """The Artillery CLI of ``benchmarks/artillery`` (``npm ci --prefix benchmarks/artillery``), or
    ``None`` when it or Node is missing."""
    return str(ARTILLERY_CLI) if shutil.which("node") and ARTILLERY_CLI.is_file() else None


def artillery_generator(scenario: str, cli: str) -> Generator:
    """Artillery 2 running ``artillery_script(scenario, ...)`` (written next to the result file),
    in one worker thread (``WORKERS=1``: the process is pinned to one core anyway)."""

    def command(url: str, users: int, run_s: float, result: Path) -> list[str]:
        script = result.with_name("artillery.json")
        script.write_text(json.dumps(artillery_script(scenario, url, users)))
        return ["node", cli, "run", "--quiet", str(script)]

    env = {"WORKERS": "1", "ARTILLERY_DISABLE_TELEMETRY": "true"}
    return Generator("Artillery", command, env=env)


def artillery_script(scenario: str, url: str, users: int) -> dict:
    """The Artillery script of ``scenario`` (``echo``: the ``ws`` engine; ``socketio``: the
    ``socketio`` engine), as an Artillery user writes it in YAML: ``users`` virtual users arrive
    within a second, each loops for ever over one step that sends the message and waits for its
    answer, checked with ``match`` (the echo's id, the ack's text), so each VU is a closed loop.
    The loop never ends: the benchmark stops Artillery once it measured."""
    if scenario == "echo":
        target, engine, config = f"{url}/echo", "ws", {}
        step: dict = {"send": {"payload": RAW_MESSAGE, "match": {"json": "$.id", "value": MESSAGE_ID}}}
    elif scenario == "socketio":
        target, engine, config = url, "socketio", {"socketio": {"transports": ["websocket"]}}
        emit = {"channel": "echo", "data": SIO_MESSAGE}
        step = {"emit": emit, "acknowledge": {"match": {"json": "$.0.text", "value": SIO_MESSAGE["text"]}}}
    else:
        raise ValueError(f"no Artillery script for {scenario!r}")
    phases = [{"duration": 1, "arrivalCount": users}]
    return {
        "config": {"target": target, "phases": phases, **config},
        "scenarios": [{"engine": engine, "flow": [{"loop": [step], "count": -1}]}],
    }


def bare_generator(scenario: str) -> Generator:
    """The floor: ``scenarios.py <scenario> bare``, a gevent + websocket-client loop that times and
    reports nothing."""

    def command(url: str, users: int, run_s: float, result: Path) -> list[str]:
        arguments = [sys.executable, str(HERE / "scenarios.py"), scenario, "bare", "--url", url]
        return [*arguments, "--users", str(users), "--seconds", f"{run_s:g}"]

    return Generator("bare", command)


def measure(
    target: NodeTarget,
    generator: Generator,
    users: int,
    counter: str,
    ready: Ready,
    settle_s: float,
    window_s: float,
) -> tuple[dict, float]:
    """Start ``generator``, wait until ``ready(stats_at_start, stats_now)`` (and its ready line),
    settle, and measure ``counter`` over ``window_s`` seconds. Returns the figures (``ops``,
    ``seconds``, ``cpu`` and ``rss_kib`` of the generator, ``open`` connections at the end,
    ``failures``) and the server's CPU seconds in the window."""
    run_s = READY_TIMEOUT_S + settle_s + window_s + 30
    with tempfile.TemporaryDirectory(prefix="locust-ws-bench-") as scratch:
        result, log = Path(scratch) / "result.json", Path(scratch) / "stderr.txt"
        with log.open("w") as stderr:
            process = subprocess.Popen(
                [*pin(1), *generator.command(target.url, users, run_s, result)],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                cwd=HERE,
                env={**os.environ, **generator.env} if generator.env else None,
            )
        try:
            first = target.stats()
            deadline = time.monotonic() + READY_TIMEOUT_S
            while not (
                ready(first, target.stats())
                and (generator.ready_line is None or generator.ready_line in log.read_text())
            ):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{generator.name} never got ready:\n{log.read_text()[-3000:]}")
                time.sleep(0.05)
            time.sleep(settle_s)
            before, cpu_before, started = target.stats(), process_cpu(process.pid), time.monotonic()
            time.sleep(window_s)
            after, cpu_after, ended = target.stats(), process_cpu(process.pid), time.monotonic()
            rss = process_rss_kib(process.pid)
        finally:
            stop_demo_process(process, timeout=60)  # SIGTERM: Locust shuts down and writes its results
        failures = generator.report(result) if generator.report else {}
    figures = {
        "ops": after[counter] - before[counter],
        "seconds": ended - started,
        "cpu": cpu_after - cpu_before,
        "rss_kib": rss,
        "open": after["open"],
        **failures,
    }
    return figures, after["cpu_s"] - before["cpu_s"]


def start_generator(
    generator: Generator, url: str, users: int, urls: str
) -> tuple[subprocess.Popen, Path, Path]:
    """Start ``generator`` for ``users`` on ``url``, with ``BENCH_URLS=urls`` (every server, for
    user classes that spread over them), pinned like every generator; returns the process, its
    log (stderr) and its result file, in a scratch directory ``stop_generator`` removes."""
    scratch = Path(tempfile.mkdtemp(prefix="locust-ws-bench-"))
    result, log = scratch / "result.json", scratch / "stderr.txt"
    run_s = READY_TIMEOUT_S * 2 + 60
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [*pin(1), *generator.command(url, users, run_s, result)],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            cwd=HERE,
            env={**os.environ, **(generator.env or {}), "BENCH_URLS": urls},
        )
    return process, log, result


def stop_generator(process: subprocess.Popen, log: Path) -> None:
    """SIGTERM (Locust writes its results), then remove the scratch directory but the result."""
    stop_demo_process(process, timeout=120)
    log.unlink(missing_ok=True)


def wait_for_most(targets: list[NodeTarget], wanted: int, process: subprocess.Popen) -> int:
    """Wait until ``wanted`` connections are open over ``targets``, or their number stopped
    growing for 30 s (a limit was reached); returns how many are open."""
    deadline = time.monotonic() + READY_TIMEOUT_S * 2
    best, since = 0, time.monotonic()
    while time.monotonic() < deadline and process.poll() is None:
        now = sum(target.stats()["open"] for target in targets)
        if now >= wanted:
            return now
        if now > best:
            best, since = now, time.monotonic()
        elif best and time.monotonic() - since > 30:
            return now
        time.sleep(0.5)
    return best


def ping_rows(result: Path) -> tuple[int, int]:
    """The ``ping`` row's requests and all failures in Locust's ``--json-file`` ``result``."""
    try:
        rows = json.loads(result.read_text())
    except (OSError, ValueError):
        return 0, 0
    finally:
        shutil.rmtree(result.parent, ignore_errors=True)
    pings = sum(row["num_requests"] for row in rows if row["name"] == "ping")
    return pings, sum(row["num_failures"] for row in rows)


def opened(users: int) -> Ready:
    """Ready once ``users`` connections are open."""
    return lambda first, now: now["open"] - first["open"] >= users


def flowing(counter: str, users: int) -> Ready:
    """Ready once ``counter`` moved by more than ``users`` since the start (every connection busy)."""
    return lambda first, now: now[counter] - first[counter] > users


def started(first: dict, now: dict) -> bool:
    """Ready at once, as far as the server can tell: for generators that open no connection."""
    return True
