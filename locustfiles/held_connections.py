"""A capacity test: many idle connections held by few users, each with its heartbeat.

    locust -f locustfiles/held_connections.py --headless -u 20 -r 20 -t 30s --ws-connect-rate 500

Each user opens ``connections_per_user`` connections in ``on_start`` (``self.client`` and 99
more, handshakes paced by ``--ws-connect-rate``) and holds them: 20 users hold 2,000 connections,
each one reported as any other (its ``connect /echo`` and ``close /echo`` rows, a ``ping`` row
every 10 s, the open-connections gauge of the WebSockets tab), for a fraction of the memory of
2,000 users: about 5 KiB per idle connection instead of 15 (docs/performance.md). The user's task
only samples one round trip a minute on ``self.client``, so the server is seen answering while it
holds them all. With no ``--host`` the embedded demo server starts by itself.
"""

from __future__ import annotations

from locust import constant, task

from locust_ws import WebSocketUser


class HeldConnectionsUser(WebSocketUser):
    path = "/echo"
    connections_per_user = 100
    ping_interval = 10
    wait_time = constant(60)

    @task
    def sample(self) -> None:
        self.client.request({"op": "echo"}, name="echo")
