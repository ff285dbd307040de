"""Reconnect storm: the server drops every connection at once and all users reconnect.

    locust -f locustfiles/reconnect_storm.py --headless -u 200 -r 100

Every user logs in over REST, holds one connection to ``/feed`` (the token in a query given as a
callable, so every reconnect sends the current one) and subscribes to its own topic in
``on_connect``, which runs again after every reconnect: a reconnected socket without its
subscription would be connected but deaf. Its task waits for the topic's next push. Once all of
them are connected, the run storms twice, first with reconnect jitter on, then off: ``POST
/admin/drop`` cuts every WebSocket without a close frame (as a crashed server or a load balancer
failover does), the users reconnect in the background with exponential backoff, and the demo
server's handshake timestamps tell how long it took until 95% (and all) were connected again and
how many handshakes per second hit the server at the peak; the clients' ``resubscribe /feed`` rows
tell how long from the loss until each was subscribed again, and the server how many are still
down when the storm's time is up. The run then ends by itself and prints:

    Reconnect storm: 200 users, first reconnect after up to 2 s (base), peak in the busiest 1 s
    storm  jitter  dropped  95% back  all back  server peak       resubscribed p50     p95  down
    1      on          200    1.91 s    2.00 s   104 handshakes/s           1.10 s  1.90 s     0
    2      off         200    2.03 s    2.05 s   200 handshakes/s           2.10 s  2.30 s     0

``resubscribed`` is the loss to the end of ``on_connect`` (median and 95th percentile over the
users), ``down`` the users not resubscribed when the storm's time was up.

Without jitter every user waits exactly ``reconnect_base`` and the whole crowd hits the server in
the same instant (the thundering herd); full jitter spreads the same reconnects over the window.
With no ``--host`` the embedded demo server starts by itself; another server needs the demo
server's ``POST /login``, ``/feed``, ``POST /admin/drop`` and ``GET /stats`` (``open_connections``,
``handshake_times``).
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

from locust_ws import WebSocketUser, counts_since, peak_rate, percentile_of_counts, recovery_time

SET_JITTER = "reconnect_storm_jitter"
CONNECT_TIMEOUT_S = 60.0  # for every user to be connected before a storm
RECOVERY_TIMEOUT_S = 60.0  # for every dropped user to be back
SETTLE_S = 1.0
RESUBSCRIBE_ROW = ("resubscribe /feed", "WS")

logger = logging.getLogger(__name__)


class StormUser(WebSocketUser):
    wait_time = constant_pacing(1.0)
    reconnect_base = 2.0  # the first reconnect waits up to 2 s: the window jitter spreads the crowd over
    reconnect_cap = 10.0
    token = ""

    def on_start(self) -> None:
        self.token = self.http.post("/login", json={"username": f"storm-{self.user_index}"}).json()["token"]
        self.client.connect("/feed", query=lambda: {"token": self.token, "rate": 1})

    def on_connect(self) -> None:
        """After the first connect and every reconnect: the server forgot the old subscription."""
        self.client.request({"op": "subscribe", "topic": self.topic}, name="subscribe")

    @property
    def topic(self) -> str:
        return f"user-{self.user_index}"

    @task
    def next_push(self) -> None:
        # While the connection is reopened this waits for it (and for on_connect), then fails.
        self.client.wait_for(lambda message: message.get("topic") == self.topic, timeout=3, name="push")


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
        rows.append(_storm(environment, server, number, jitter))
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


def _storm(environment: Environment, server: str, number: int, jitter: bool) -> dict[str, Any]:
    resubscribed = environment.stats.get(*RESUBSCRIBE_ROW)
    before = dict(resubscribed.response_times)
    drop = _post(server, "/admin/drop")
    dropped, dropped_at = drop["dropped"], drop["dropped_at"]
    deadline = time.monotonic() + RECOVERY_TIMEOUT_S
    # Workers report their stats every few seconds: wait for the rows as well as the sockets.
    while time.monotonic() < deadline and (
        _get(server, "/stats")["open_connections"] < dropped
        or sum(counts_since(before, resubscribed.response_times).values()) < dropped
    ):
        gevent.sleep(0.2)
    stats = _get(server, "/stats")
    times = [t for t in stats["handshake_times"] if t >= dropped_at]
    storm_ms = counts_since(before, resubscribed.response_times)
    row = {
        "storm": number,
        "jitter": "on" if jitter else "off",
        "dropped": dropped,
        "back_95": recovery_time(times, dropped_at, dropped),
        "back_all": recovery_time(times, dropped_at, dropped, share=1.0),
        "peak": peak_rate(times),
        "resubscribed_median": _ms_to_s(percentile_of_counts(storm_ms, 0.5)),
        "resubscribed_p95": _ms_to_s(percentile_of_counts(storm_ms, 0.95)),
        "still_down": max(dropped - stats["open_connections"], dropped - sum(storm_ms.values()), 0),
    }
    logger.info("reconnect storm %d (jitter %s): %s", number, row["jitter"], row)
    gevent.sleep(SETTLE_S)
    return row


def _print_summary(users: int, rows: list[dict[str, Any]]) -> None:
    lines = [
        f"Reconnect storm: {users} users, first reconnect after up to {StormUser.reconnect_base:g} s "
        "(base), peak in the busiest 1 s",
        "storm  jitter  dropped  95% back  all back  server peak       resubscribed p50     p95  down",
    ]
    for row in rows:
        lines.append(
            f"{row['storm']:<5}  {row['jitter']:<6}  {row['dropped']:>7}  {_seconds(row['back_95']):>8}  "
            f"{_seconds(row['back_all']):>8}  {row['peak']:>5.0f} handshakes/s  "
            f"{_seconds(row['resubscribed_median']):>15}  {_seconds(row['resubscribed_p95']):>6}  "
            f"{row['still_down']:>4}"
        )
    print("\n".join(lines), flush=True)


def _ms_to_s(value: float | None) -> float | None:
    return None if value is None else value / 1000.0


def _seconds(value: float | None) -> str:
    return "never" if value is None else f"{value:.2f} s"


def _get(server: str, path: str) -> dict[str, Any]:
    with urllib.request.urlopen(server + path, timeout=10) as response:
        return json.loads(response.read())


def _post(server: str, path: str) -> dict[str, Any]:
    request = urllib.request.Request(server + path, data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())
