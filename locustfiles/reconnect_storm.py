"""Reconnect storm: the server drops every connection at once and all users reconnect.

    locust -f locustfiles/reconnect_storm.py --headless -u 200 -r 100

Every user holds one connection to ``/echo`` and sends a request now and then. Once all of them
are connected, the run storms twice, first with reconnect jitter on, then off: ``POST
/admin/drop`` cuts every WebSocket without a close frame (as a crashed server or a load balancer
failover does), the users reconnect in the background with exponential backoff, and the demo
server's handshake timestamps tell how long it took until 95% (and all) were connected again and
how many handshakes per second hit the server at the peak. The run then ends by itself and prints:

    Reconnect storm: 200 users, first reconnect after up to 2 s (base), peak in the busiest 1 s
    storm  jitter  dropped  95% back after  all back after  server peak
    1      on          200         1.91 s          2.00 s     104 handshakes/s
    2      off         200         2.03 s          2.05 s     200 handshakes/s

Without jitter every user waits exactly ``reconnect_base`` and the whole crowd hits the server in
the same instant (the thundering herd); full jitter spreads the same reconnects over the window.
With no ``--host`` the embedded demo server starts by itself; another server needs the demo
server's ``POST /admin/drop`` and ``GET /stats`` (``open_connections``, ``handshake_times``).
Distributed runs work the same way: the master runs the storms and tells the workers to switch
jitter. The drops make ``close`` and task failures by design, so Locust exits with code 1.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.request
from typing import Any

import gevent
from locust import constant_pacing, events, task
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from locust_ws import WebSocketUser, peak_rate, recovery_time

SET_JITTER = "reconnect_storm_jitter"
CONNECT_TIMEOUT_S = 60.0  # for every user to be connected before a storm
RECOVERY_TIMEOUT_S = 60.0  # for every dropped user to be back
SETTLE_S = 1.0

logger = logging.getLogger(__name__)


class StormUser(WebSocketUser):
    path = "/echo"
    wait_time = constant_pacing(1.0)
    reconnect_base = 2.0  # the first reconnect waits up to 2 s: the window jitter spreads the crowd over
    reconnect_cap = 10.0

    @task
    def echo(self) -> None:
        # Fails fast with "not connected (reconnecting)" while the connection is being reopened.
        self.client.request({"op": "echo"}, name="echo")


@events.init.add_listener
def _listen_for_jitter_switch(environment: Environment, **_kwargs: Any) -> None:
    if environment.runner is not None and not isinstance(environment.runner, MasterRunner):
        environment.runner.register_message(SET_JITTER, _set_jitter)


def _set_jitter(environment: Environment, msg: Any, **_kwargs: Any) -> None:
    """Switch reconnect jitter for connections opened from now on and for every live one."""
    StormUser.reconnect_jitter = msg.data["jitter"]
    for greenlet in list(environment.runner.user_greenlets):
        if greenlet.args:
            user = greenlet.args[0]
            user.client.backoff = user.backoff()


@events.test_start.add_listener
def _start_storms(environment: Environment, **_kwargs: Any) -> None:
    if not isinstance(environment.runner, WorkerRunner):
        gevent.spawn(_run_storms, environment)


def _run_storms(environment: Environment) -> None:
    runner = environment.runner
    server = environment.host.replace("ws", "http", 1)
    users = _wait_for_users(runner, server)
    rows = []
    for number, jitter in enumerate((True, False), start=1):
        runner.send_message(SET_JITTER, {"jitter": jitter})
        gevent.sleep(SETTLE_S)  # the workers switch before the drop
        rows.append(_storm(server, number, jitter))
    _print_summary(users, rows)
    runner.quit()


def _wait_for_users(runner: Any, server: str) -> int:
    deadline = time.monotonic() + CONNECT_TIMEOUT_S
    while True:
        users = runner.target_user_count or 0
        if users and _get(server, "/stats")["open_connections"] >= users:
            gevent.sleep(SETTLE_S)
            return users
        if time.monotonic() > deadline:
            logger.error("not every user connected within %g s; storming anyway", CONNECT_TIMEOUT_S)
            return users
        gevent.sleep(0.2)


def _storm(server: str, number: int, jitter: bool) -> dict[str, Any]:
    drop = _post(server, "/admin/drop")
    dropped, dropped_at = drop["dropped"], drop["dropped_at"]
    deadline = time.monotonic() + RECOVERY_TIMEOUT_S
    while _get(server, "/stats")["open_connections"] < dropped and time.monotonic() < deadline:
        gevent.sleep(0.2)
    times = [t for t in _get(server, "/stats")["handshake_times"] if t >= dropped_at]
    row = {
        "storm": number,
        "jitter": "on" if jitter else "off",
        "dropped": dropped,
        "back_95": recovery_time(times, dropped_at, dropped),
        "back_all": recovery_time(times, dropped_at, dropped, share=1.0),
        "peak": peak_rate(times),
    }
    logger.info("reconnect storm %d (jitter %s): %s", number, row["jitter"], row)
    gevent.sleep(SETTLE_S)
    return row


def _print_summary(users: int, rows: list[dict[str, Any]]) -> None:
    lines = [
        f"Reconnect storm: {users} users, first reconnect after up to {StormUser.reconnect_base:g} s "
        "(base), peak in the busiest 1 s",
        "storm  jitter  dropped  95% back after  all back after  server peak",
    ]
    for row in rows:
        lines.append(
            f"{row['storm']:<5}  {row['jitter']:<6}  {row['dropped']:>7}  {_seconds(row['back_95']):>14}  "
            f"{_seconds(row['back_all']):>14}  {row['peak']:>5.0f} handshakes/s"
        )
    print("\n".join(lines), flush=True)


def _seconds(value: float | None) -> str:
    return "never" if value is None else f"{value:.2f} s"


def _get(server: str, path: str) -> dict[str, Any]:
    with urllib.request.urlopen(server + path, timeout=10) as response:
        return json.loads(response.read())


def _post(server: str, path: str) -> dict[str, Any]:
    request = urllib.request.Request(server + path, data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())
