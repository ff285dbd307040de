"""More connections than one port range allows: users connect from several source addresses.

    locust -f locustfiles/source_addresses.py --headless -u 200 -r 100 -t 10s \
        --ws-source-addresses 127.0.0.2/31,127.0.0.4/31

One source address reaches one server address and port from at most as many ports as
``net.ipv4.ip_local_port_range`` holds (28,232 by default), so one generator tops out there however
many users it runs. Each user here logs in over REST and holds one ``/echo`` connection, both from
its own source address, picked round-robin by ``user_index``; at the end the demo server says how
many TCP connections it accepted from each address:

    Server-side TCP connections by client address: 127.0.0.2 x 100, 127.0.0.3 x 100, ...

The class default (127.0.0.2-127.0.0.5) only suits a server on this machine, where every
127.x.y.z is local; against a remote server, list this machine's own addresses (secondary IPs on
its NIC) with ``--ws-source-addresses``. With no ``--host`` the embedded demo server starts by
itself; another server needs the demo's ``POST /login``, ``/echo`` and ``GET /stats``
(``tcp_connections_by_address``) for the report.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from locust import constant_pacing, events, task
from locust.env import Environment
from locust.runners import WorkerRunner

from locust_ws import WebSocketUser


class SpreadUser(WebSocketUser):
    path = "/echo"
    source_addresses = "127.0.0.2/31, 127.0.0.4/31"
    wait_time = constant_pacing(1.0)

    def on_start(self) -> None:
        self.http.post("/login", json={"username": f"spread-{self.user_index}"})
        super().on_start()

    @task
    def echo(self) -> None:
        self.client.request({"op": "echo"}, name="echo")


@events.test_stop.add_listener
def _report_addresses(environment: Environment, **_kwargs: Any) -> None:
    if isinstance(environment.runner, WorkerRunner) or not environment.host:
        return
    server = environment.host.replace("ws", "http", 1)
    with urllib.request.urlopen(f"{server}/stats", timeout=10) as response:
        by_address = json.loads(response.read()).get("tcp_connections_by_address", {})
    counts = ", ".join(f"{address} x {count}" for address, count in sorted(by_address.items()))
    print(f"Server-side TCP connections by client address: {counts or 'none reported'}", flush=True)
