"""One benchmark measurement, run in its own process (so CPU time and RSS are its own).

    python benchmarks/scenarios.py SCENARIO VARIANT --url ws://127.0.0.1:PORT --users N --seconds S

Prints one JSON line: ``ops`` done in ``seconds`` of wall time, ``cpu`` seconds this process used
in that window (user + system), ``rss_kib``, ``failures`` with up to three ``errors`` (their
texts), and scenario extras. ``benchmarks/run.py`` starts the server, pins this process to its own
core and turns the lines into ratios measured in the same run.

Variants: ``bare`` is the baseline every ratio divides by, a plain gevent + websocket-client loop
that times nothing and reports nothing; ``user`` is locust-ws the way a real run uses it: Locust
``User`` classes in a ``LocalRunner`` (Locust's stats on every event) with our metrics listener
attached (``attach_metrics``, what the plugin does in every Locust run); ``contrib`` is
``locust.contrib.socketio.SocketIOUser`` in the same runner. ``compression`` has no baseline: its
variants are the same chat loop with permessage-deflate off and on (``chat-off``, ``chat-deflate``)
and with larger messages (``history-...``), so their CPU and wire bytes per message can be set
side by side.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import itertools
import json
import os
import random
import resource
import time
import urllib.request
from collections.abc import Callable

import gevent
import locust  # noqa: F401 - gevent monkey-patching must come first
import websocket
from gevent.pool import Pool
from locust import User, constant, task
from locust.contrib.socketio import SocketIOUser as ContribSocketIOUser
from locust.env import Environment
from payloads import MESSAGE, RAW_MESSAGE, SIO_MESSAGE, SIO_RAW_MESSAGE
from procfs import process_rss_kib

from locust_ws import SocketIOUser, WebSocketError, WebSocketSession, WebSocketUser, attach_metrics
from locust_ws.cluster.open_files import raise_open_files_limit

Scenario = Callable[[str, int, float], dict]
Work = Callable[[Callable[[], bool]], None]


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_kib() -> int:
    return process_rss_kib(os.getpid())


def _counted(count: list[int], seconds: float, work: Work, users: int) -> dict:
    """Run ``work(running)`` in ``users`` greenlets for ``seconds``; ``count[0]`` is the ops."""
    deadline = time.monotonic() + seconds

    def running() -> bool:
        return time.monotonic() < deadline

    start_cpu, start = cpu_seconds(), time.monotonic()
    pool = Pool()
    for _ in range(users):
        pool.spawn(work, running)
    pool.join(timeout=seconds + 60)
    wall, cpu, ended_at = time.monotonic() - start, cpu_seconds() - start_cpu, time.time()
    return {
        "ops": count[0],
        "seconds": wall,
        "cpu": cpu,
        "ended_at": ended_at,
        "rss_kib": rss_kib(),
        "failures": 0,
    }


def _run_users(user_class: type[User], users: int, seconds: float, row: tuple[str, str]) -> dict:
    """``users`` of ``user_class`` in a LocalRunner; ops are the requests of stats ``row``
    (name, type) in ``seconds`` after every user started. ``metrics`` holds our scalar metrics of
    the whole run (start-up included)."""
    environment = Environment(user_classes=[user_class], host=user_class.host)
    metrics = attach_metrics(environment)
    runner = environment.create_local_runner()
    runner.start(users, spawn_rate=users)
    deadline = time.monotonic() + 60
    while runner.user_count < users and time.monotonic() < deadline:
        gevent.sleep(0.05)
    gevent.sleep(0.5)  # let every user open its connection
    entry = environment.stats.get(*row)
    before_ops, before_cpu, before = entry.num_requests, cpu_seconds(), time.monotonic()
    gevent.sleep(seconds)
    ops, cpu, wall = entry.num_requests - before_ops, cpu_seconds() - before_cpu, time.monotonic() - before
    ended_at, rss = time.time(), rss_kib()
    runner.quit()
    errors = sorted(environment.stats.errors.values(), key=lambda error: -error.occurrences)
    return {
        "ops": ops,
        "seconds": wall,
        "cpu": cpu,
        "ended_at": ended_at,
        "rss_kib": rss,
        "failures": environment.stats.total.num_failures,
        "errors": [f"{error.occurrences}x {error.name}: {error.error}" for error in errors[:3]],
        "metrics": metrics.scalars(),
    }


# -- echo: request/reply in a closed loop ---------------------------------------------------------


def echo_bare(url: str, users: int, seconds: float) -> dict:
    count = [0]

    def work(running: Callable[[], bool]) -> None:
        ws = websocket.create_connection(f"{url}/echo")
        while running():
            ws.send(RAW_MESSAGE)
            ws.recv()
            count[0] += 1
        ws.close()

    return _counted(count, seconds, work, users)


def echo_user(url: str, users: int, seconds: float) -> dict:
    """WebSocketUser: every round trip correlated by id, timed and a request event."""

    class EchoUser(WebSocketUser):
        host = url
        path = "/echo"
        wait_time = constant(0)

        @task
        def echo(self) -> None:
            self.client.request(MESSAGE, name="echo")

    return _run_users(EchoUser, users, seconds, ("echo", "WS"))


# -- compression: the same chat loop with permessage-deflate off and on ---------------------------

_TEXT = (
    "hello there anyone around for the release tonight yes deploy looks good I will check the "
    "dashboard latency is fine now thanks see you tomorrow lunch meeting moved to three ok great"
)
_WORDS = _TEXT.split()


def chat_messages(count: int = 500, seed: int = 7) -> list[dict]:
    """Chat-like JSON, the same for every run: users, rooms, a few words of text, a timestamp."""
    rng = random.Random(seed)
    return [
        {
            "op": "chat",
            "room": f"room-{rng.randrange(20)}",
            "user": {"id": rng.randrange(10_000), "name": f"user{rng.randrange(500)}"},
            "text": " ".join(rng.choice(_WORDS) for _ in range(rng.randrange(4, 16))),
            "ts": 1_767_000_000_000 + rng.randrange(10**9),
        }
        for _ in range(count)
    ]


def compression_user(url: str, users: int, seconds: float, payload: str, compression: str | None) -> dict:
    """WebSocketUser echo round trips of ``chat`` messages (about 150 bytes) or ``history``
    pages (20 of them, about 3 KB), with ``compression``. Per message: the generator's CPU, the
    payload and wire bytes, and zlib's share of the CPU."""
    chats = chat_messages()
    messages = (
        chats
        if payload == "chat"
        else [{"op": "history", "messages": chats[n : n + 20]} for n in range(0, 480, 20)]
    )

    class ChatUser(WebSocketUser):
        host = url
        path = "/echo"
        wait_time = constant(0)
        ping_interval = 0

        def on_start(self) -> None:
            self._messages = itertools.cycle(messages)
            super().on_start()

        @task
        def chat(self) -> None:
            self.client.request(next(self._messages), name="chat")

    ChatUser.compression = compression
    return _run_users(ChatUser, users, seconds, ("chat", "WS"))


# -- handshake: connect + close as fast as possible -----------------------------------------------


def handshake_bare(url: str, users: int, seconds: float) -> dict:
    count = [0]

    def work(running: Callable[[], bool]) -> None:
        while running():
            websocket.create_connection(f"{url}/echo").close()
            count[0] += 1

    return _counted(count, seconds, work, users)


def handshake_user(url: str, users: int, seconds: float) -> dict:
    """WebSocketSession connect + close: both timed and reported (a connect and a close event)."""
    environment = Environment()
    attach_metrics(environment)
    count = [0]

    def work(running: Callable[[], bool]) -> None:
        session = WebSocketSession(url, environment.events.request, ping_interval=0)
        while running():
            session.connect("/echo")
            session.close()
            count[0] += 1

    result = _counted(count, seconds, work, users)
    metrics = attach_metrics(environment)
    return {**result, "failures": metrics.failures}


# -- idle: as many connections as one process holds, heartbeats on --------------------------------


def idle_user(url: str, users: int, seconds: float) -> dict:
    """``users`` WebSocketSessions with a ping every 5 s. KiB per connection counts everything a
    connection costs the process: its session object, socket, reader and heartbeat."""
    raise_open_files_limit(users + 50)
    environment = Environment()
    metrics = attach_metrics(environment)
    baseline = rss_kib()
    sessions = [
        WebSocketSession(url, environment.events.request, ping_interval=5.0, pong_timeout=10.0)
        for _ in range(users)
    ]
    pool = Pool(200)
    for session in sessions:
        pool.spawn(_quiet_connect, session)
    pool.join()
    held = sum(session.connected for session in sessions)
    loaded = rss_kib()
    start_cpu, start = cpu_seconds(), time.monotonic()
    gevent.sleep(seconds)
    idle_cpu, wall, ended_at = cpu_seconds() - start_cpu, time.monotonic() - start, time.time()
    still_held = sum(session.connected for session in sessions)
    pings = metrics.select("ping")
    pool.map(WebSocketSession.close, sessions)
    return {
        "ops": still_held,
        "seconds": wall,
        "cpu": idle_cpu,
        "ended_at": ended_at,
        "rss_kib": loaded,
        "held_after_connect": held,
        "kib_per_connection": (loaded - baseline) / max(held, 1),
        "pings": pings.count if pings else 0,
        "failures": metrics.failures,
    }


def idle_bare(url: str, users: int, seconds: float) -> dict:
    """The floor of a held connection: ``users`` websocket-client connections, each with a greenlet
    blocked in ``recv``, no heartbeat, nothing timed or reported."""
    raise_open_files_limit(users + 50)
    start_cpu, start = cpu_seconds(), time.monotonic()
    sockets = Pool(200).map(lambda _: websocket.create_connection(f"{url}/echo"), range(users))
    readers = [gevent.spawn(ws.recv) for ws in sockets]
    gevent.sleep(seconds)
    wall, cpu, ended_at, loaded = time.monotonic() - start, cpu_seconds() - start_cpu, time.time(), rss_kib()
    gevent.killall(readers)
    for ws in sockets:
        ws.close()
    return {"ops": len(sockets), "seconds": wall, "cpu": cpu, "ended_at": ended_at, "rss_kib": loaded}


def _quiet_connect(session: WebSocketSession) -> None:
    with contextlib.suppress(WebSocketError):  # a refused connection is counted as not held
        session.connect("/echo")


# -- socketio: call with ack in a closed loop -----------------------------------------------------


def socketio_bare(url: str, users: int, seconds: float) -> dict:
    """Socket.IO over a plain websocket-client loop: Engine.IO open, namespace connect, then
    ``42<id>["echo",...]`` and wait for ``43<id>...`` (pings answered), nothing decoded or timed."""
    count = [0]

    def work(running: Callable[[], bool]) -> None:
        ws = websocket.create_connection(f"{url}/socket.io/?EIO=4&transport=websocket")
        ws.recv()  # 0{"sid": ...}
        ws.send("40")
        while not ws.recv().startswith("40"):
            pass
        ack_id = 0
        while running():
            ack_id += 1
            ws.send(f'42{ack_id}["echo",{SIO_RAW_MESSAGE}]')
            while True:
                message = ws.recv()
                if message.startswith("43"):
                    break
                if message == "2":
                    ws.send("3")
            count[0] += 1
        ws.close()

    return _counted(count, seconds, work, users)


def socketio_contrib(url: str, users: int, seconds: float) -> dict:
    """``locust.contrib.socketio.SocketIOUser``: python-socketio's threaded client; its ``call``
    is one ``WSC`` row (and one ``WSE`` emit row with time 0); acks/s counts the ``WSC`` row."""
    http = url.replace("ws://", "http://")

    class ContribUser(ContribSocketIOUser):
        host = http
        wait_time = constant(0)

        def on_start(self) -> None:
            self.sio.connect(http, transports=["websocket"])

        @task
        def echo(self) -> None:
            self.sio.call("echo", SIO_MESSAGE, timeout=5)

    return _run_users(ContribUser, users, seconds, ("echo", "WSC"))


def socketio_user(url: str, users: int, seconds: float) -> dict:
    """Our SocketIOUser: every ``call`` timed to its ack, one request event each."""

    class CallUser(SocketIOUser):
        host = url
        wait_time = constant(0)

        @task
        def echo(self) -> None:
            self.client.call("echo", SIO_MESSAGE, name="echo")

    return _run_users(CallUser, users, seconds, ("echo", "SIO"))


# -- fanout: one room, one sender, many receivers -------------------------------------------------


def fanout_user(url: str, users: int, seconds: float) -> dict:
    raise_open_files_limit(users + 50)
    environment = Environment()
    metrics = attach_metrics(environment)
    token = _login(url)
    receivers = [WebSocketSession(url, environment.events.request, ping_interval=0) for _ in range(users)]
    for session in receivers:
        session.connect("/rooms/bench", query={"token": token})
    sender = WebSocketSession(url, environment.events.request, ping_interval=0)
    sender.connect("/rooms/bench", query={"token": token})
    metrics.reset()
    start_cpu, start = cpu_seconds(), time.monotonic()
    while time.monotonic() - start < seconds:
        sender.request({"text": "tick"}, stamp=True, name="sent")  # paced by its own round trip
    gevent.sleep(0.5)
    wall, cpu, ended_at = time.monotonic() - start, cpu_seconds() - start_cpu, time.time()
    for session in [*receivers, sender]:
        session.close()
    fanout = metrics.select("fanout")
    delivered = fanout.count if fanout else 0
    p99 = fanout.histogram.percentile_ms(99) if fanout and fanout.histogram else None
    return {
        "ops": delivered,
        "seconds": wall,
        "cpu": cpu,
        "ended_at": ended_at,
        "rss_kib": rss_kib(),
        "fanout_p99_ms": p99,
        "failures": metrics.failures,
    }


def _login(url: str) -> str:
    request = urllib.request.Request(
        url.replace("ws://", "http://") + "/login",
        data=b'{"username": "bench"}',
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())["token"]


SCENARIOS: dict[str, dict[str, Scenario]] = {
    "echo": {"bare": echo_bare, "user": echo_user},
    "handshake": {"bare": handshake_bare, "user": handshake_user},
    "idle": {"bare": idle_bare, "user": idle_user},
    "socketio": {"bare": socketio_bare, "contrib": socketio_contrib, "user": socketio_user},
    "fanout": {"user": fanout_user},
    "compression": {
        f"{payload}-{mode}": functools.partial(compression_user, payload=payload, compression=compression)
        for payload in ("chat", "history")
        for mode, compression in (("off", None), ("deflate", "deflate"))
    },
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
