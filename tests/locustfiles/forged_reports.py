"""Test locustfile: echo users whose every third round trip is judged a failure, run by workers of
which one forges its locust-ws reports to the master: its first report claims a billion fewer
failures than none (enough to make ``failures<1`` pass), the later ones carry counters that are
not even a mapping. The first worker to create ``FORGE_MARKER`` is the forger
(tests/test_cluster_trust.py)."""

import itertools
import os

from locust import constant, events, task
from locust.runners import WorkerRunner

from locust_ws import WebSocketUser


class EchoUser(WebSocketUser):
    path = "/echo"
    ping_interval = 0
    wait_time = constant(0.1)
    round_trips = itertools.count()

    @task
    def echo(self):
        with self.client.request({"op": "echo"}, name="echo", catch_response=True) as reply:
            if next(self.round_trips) % 3 == 0:
                reply.failure("judged a failure")


def _forge(client_id, data, **_kwargs):
    report = data["locust_ws"]
    if _forge.first:
        _forge.first = False
        report["counters"]["failures"] = -(10**9)
    else:
        report["counters"] = "garbage"


_forge.first = True


@events.init.add_listener
def _become_the_forger(environment, **_kwargs):
    if not isinstance(environment.runner, WorkerRunner):
        return
    try:
        os.close(os.open(os.environ["FORGE_MARKER"], os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return  # the other worker forges
    environment.events.report_to_master.add_listener(_forge)  # after locust-ws's own listener
