"""One benchmark measurement, run in its own process (so CPU time and RSS are its own).

    python benchmarks/scenarios.py SCENARIO VARIANT --url ws://127.0.0.1:PORT --users N --seconds S

Prints one JSON line: ``ops`` done in ``seconds`` of wall time, ``cpu`` seconds of this process
in that window, ``rss_kib`` (peak), and scenario extras. ``benchmarks/run.py`` starts the server,
pins this process to its own core and turns the lines into ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import sys
import time
from collections.abc import Callable

import gevent
import locust  # noqa: F401 - gevent monkey-patching must come first
import websocket
from gevent.pool import Pool
from locust import User, constant, task
from locust.env import Environment

from locust_ws import WebSocketError, WebSocketSession, WebSocketUser

MESSAGE = {"op": "echo", "text": "x" * 32}  # a 64-byte text frame once the id is added
RAW_MESSAGE = json.dumps({**MESSAGE, "id": "0123456789abcdef-1"}, separators=(",", ":"))


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def raise_open_files_limit(planned: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < planned + 100:
        print(
            f"warning: open-files limit {hard} is below the {planned} connections planned; "
            "raise it with `ulimit -n` (hard limit) or plan fewer",
            file=sys.stderr,
        )


def measure(seconds: float, work: Callable[[Callable[[], bool]], None], users: int) -> dict:
    """Run ``work(running)`` in ``users`` greenlets for ``seconds`` after they all started."""
    deadline = [float("inf")]

    def running() -> bool:
        return time.monotonic() < deadline[0]

    start_cpu, start = cpu_seconds(), time.monotonic()
    deadline[0] = start + seconds
    pool = Pool()
    for _ in range(users):
        pool.spawn(work, running)
    pool.join(timeout=seconds + 60)
    return {"seconds": time.monotonic() - start, "cpu": cpu_seconds() - start_cpu}


# -- echo: request/reply in a closed loop ---------------------------------------------------------


def echo_bare(url: str, users: int, seconds: float) -> dict:
    count = [0]

    def work(running):
        ws = websocket.create_connection(f"{url}/echo")
        while running():
            ws.send(RAW_MESSAGE)
            ws.recv()
            count[0] += 1
        ws.close()

    return _counted(count, seconds, work, users)


def _counted(count: list[int], seconds: float, work, users: int) -> dict:
    result = measure(seconds, work, users)
    return {"ops": count[0], **result, "rss_kib": rss_kib()}


def echo_user(url: str, users: int, seconds: float) -> dict:
    """WebSocketUser in a real Locust LocalRunner: every round trip is a request event in the stats."""

    class EchoUser(WebSocketUser):
        host = url
        path = "/echo"
        wait_time = constant(0)

        @task
        def echo(self) -> None:
            self.client.request(MESSAGE, name="echo")

    return _run_users(EchoUser, users, seconds, "echo")


def _run_users(user_class: type[User], users: int, seconds: float, row: str) -> dict:
    environment = Environment(user_classes=[user_class], host=user_class.host)
    runner = environment.create_local_runner()
    runner.start(users, spawn_rate=users)
    deadline = time.monotonic() + 60
    while runner.user_count < users and time.monotonic() < deadline:
        gevent.sleep(0.05)
    gevent.sleep(0.5)  # let every user open its connection
    entry = environment.stats.get(row, "WS")
    before_ops, before_cpu, before = entry.num_requests, cpu_seconds(), time.monotonic()
    gevent.sleep(seconds)
    ops, cpu, wall = entry.num_requests - before_ops, cpu_seconds() - before_cpu, time.monotonic() - before
    failures = entry.num_failures
    rss = rss_kib()
    runner.quit()
    return {"ops": ops, "seconds": wall, "cpu": cpu, "rss_kib": rss, "failures": failures}


# -- handshake: connect + close as fast as possible -----------------------------------------------


def handshake_bare(url: str, users: int, seconds: float) -> dict:
    count = [0]

    def work(running):
        while running():
            websocket.create_connection(f"{url}/echo").close()
            count[0] += 1

    return _counted(count, seconds, work, users)


def handshake_user(url: str, users: int, seconds: float) -> dict:
    environment = Environment()
    count = [0]

    def work(running):
        session = WebSocketSession(url, environment.events.request, ping_interval=0)
        while running():
            session.connect("/echo")
            session.close()
            count[0] += 1

    return _counted(count, seconds, work, users)


# -- idle: as many connections as one process holds, heartbeats on --------------------------------


def idle_user(url: str, users: int, seconds: float) -> dict:
    raise_open_files_limit(users)
    environment = Environment()
    failures = [0]
    environment.events.request.add_listener(
        lambda exception=None, **_: failures.__setitem__(0, failures[0] + (exception is not None))
    )
    sessions = [
        WebSocketSession(url, environment.events.request, ping_interval=5.0, pong_timeout=10.0)
        for _ in range(users)
    ]
    baseline = rss_kib()
    pool = Pool(200)
    for session in sessions:
        pool.spawn(_quiet_connect, session)
    pool.join()
    held = sum(session.connected for session in sessions)
    loaded = rss_kib()
    start_cpu, start = cpu_seconds(), time.monotonic()
    gevent.sleep(seconds)
    idle_cpu, wall = cpu_seconds() - start_cpu, time.monotonic() - start
    still_held = sum(session.connected for session in sessions)
    for session in sessions:
        session.close()
    return {
        "ops": still_held,
        "seconds": wall,
        "cpu": idle_cpu,
        "rss_kib": loaded,
        "held_after_connect": held,
        "kib_per_connection": (loaded - baseline) / max(held, 1),
        "failures": failures[0],
    }


def _quiet_connect(session: WebSocketSession) -> None:
    with contextlib.suppress(WebSocketError):  # a refused connection is counted as not held
        session.connect("/echo")


# -- fanout: one room, one sender, many receivers -------------------------------------------------


def fanout_user(url: str, users: int, seconds: float) -> dict:
    raise_open_files_limit(users + 10)
    environment = Environment()
    latencies: list[float] = []

    def record(name, response_time, **_):
        if name == "fanout":
            latencies.append(response_time)

    environment.events.request.add_listener(record)
    token = _login(url)
    receivers = [WebSocketSession(url, environment.events.request, ping_interval=0) for _ in range(users)]
    for session in receivers:
        session.connect("/rooms/bench", query={"token": token})
    sender = WebSocketSession(url, environment.events.request, ping_interval=0)
    sender.connect("/rooms/bench", query={"token": token})
    start_cpu, start = cpu_seconds(), time.monotonic()
    while time.monotonic() - start < seconds:
        sender.request({"text": "tick"}, stamp=True, name="sent")  # paced by its own round trip
    gevent.sleep(0.5)
    wall, cpu = time.monotonic() - start, cpu_seconds() - start_cpu
    for session in [*receivers, sender]:
        session.close()
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else None
    return {"ops": len(latencies), "seconds": wall, "cpu": cpu, "rss_kib": rss_kib(), "fanout_p99_ms": p99}


def _login(url: str) -> str:
    import urllib.request

    request = urllib.request.Request(
        url.replace("ws://", "http://") + "/login",
        data=b'{"username": "bench"}',
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())["token"]


SCENARIOS: dict[str, dict[str, Callable[[str, int, float], dict]]] = {
    "echo": {"bare": echo_bare, "user": echo_user},
    "handshake": {"bare": handshake_bare, "user": handshake_user},
    "idle": {"user": idle_user},
    "fanout": {"user": fanout_user},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=SCENARIOS)
    parser.add_argument("variant")
    parser.add_argument("--url", required=True)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    variants = SCENARIOS[args.scenario]
    if args.variant not in variants:
        parser.error(f"{args.scenario} has variants {sorted(variants)}")
    result = variants[args.variant](args.url, args.users, args.seconds)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
