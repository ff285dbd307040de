"""Idle sweep: how long may a connection stay silent before the path (load balancer, gateway,
proxy, the server itself) ends it?

    locust-ws-demo --port 8765 --idle-timeout 25 &
    locust -f locustfiles/idle_sweep.py --headless -u 40 -r 40 --host ws://127.0.0.1:8765 \
        --idle-durations 10,20,30,60

Users hold ``/echo`` connections idle (no pings, no messages), one duration per user round-robin
by ``user_index``, then send one message and wait for its echo. Each hold is an ``idle <d>s`` row:
a success when the connection survived, a failure saying how it died (closed by the server with
which code, lost without a close frame, the first send or its reply failing). Every user stops
after its hold, and then the run ends by itself and prints:

    Idle sweep
    idle for  holds  survived  died after  how they died
        10 s     10        10           -  -
        20 s     10        10           -  -
        30 s     10         0      25.0 s  closed by the server with 1001 (idle timeout) x 10
        60 s     10         0      25.0 s  closed by the server with 1001 (idle timeout) x 10
    idle timeout of the path: about 25.0 s (holds of 20 s survived, holds of 30 s and longer died, ...)

Point ``--host`` (and ``path`` below) at the real entry point, through the same load balancer your
clients use: the verdict is the path's, not the server's. With no ``--host`` the embedded demo
server starts without an idle timeout, so every hold survives. Run at least as many users as
durations; ``-t`` is only a backstop.
"""

from __future__ import annotations

from typing import Any

import gevent
from locust import events
from locust.env import Environment
from locust.runners import WorkerRunner

from locust_ws import IdleSweepUser, format_idle_sweep, idle_groups


@events.init_command_line_parser.add_listener
def _add_durations(parser: Any) -> None:
    parser.add_argument(
        "--idle-durations",
        default="15,30,60,120,240",
        help="Seconds of silence to try, comma-separated (one per user, round-robin).",
    )


class GatewayIdleUser(IdleSweepUser):
    path = "/echo"


@events.init.add_listener
def _on_init(environment: Environment, **_kwargs: Any) -> None:
    durations = getattr(environment.parsed_options, "idle_durations", None)
    if durations:
        GatewayIdleUser.idle_durations = tuple(float(value) for value in durations.split(","))
    if not isinstance(environment.runner, WorkerRunner):
        environment.events.spawning_complete.add_listener(
            lambda **_: gevent.spawn(_wait_and_quit, environment)
        )


def _wait_and_quit(environment: Environment) -> None:
    while environment.runner.user_count > 0:
        gevent.sleep(0.5)
    gevent.sleep(1.0)  # the workers' last stats reports
    environment.runner.quit()


@events.test_stop.add_listener
def _print_sweep(environment: Environment, **_kwargs: Any) -> None:
    if not isinstance(environment.runner, WorkerRunner):
        print(format_idle_sweep(idle_groups(environment.stats)), flush=True)
