"""Master + 2 workers as real processes on loopback, against a demo server of their own: the
cluster-wide user index splits users exactly over rooms through a ramp down and up, the
connect-rate cap holds for the whole cluster, and every worker's stats reach the master."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from locust_ws import peak_rate
from locust_ws.demo import start_demo_process, stop_demo_process

from ..support.demo import fetch_json
from ..support.locust_cluster import locust_cluster
from ..support.paths import TEST_LOCUSTFILES
from .test_locustfiles import stats_rows

LOCUSTFILES = TEST_LOCUSTFILES
SPLIT_ROOMS = [f"split-{number}" for number in range(8)]


@pytest.fixture(scope="module")
def cluster_demo() -> str:
    """A demo server only these tests talk to, so its counters are theirs alone."""
    process, url = start_demo_process()
    yield url
    stop_demo_process(process)


def server_stats(url: str) -> dict:
    return fetch_json(url.replace("ws://", "http://") + "/stats")


def wait_until(condition: Callable[[], bool], timeout: float, what: str, cluster) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline or cluster.master.poll() is not None:
            raise AssertionError(f"{what} not reached; master output:\n{cluster.master_output()[-3000:]}")
        time.sleep(0.2)


def live_split(url: str) -> tuple[dict[str, int], list[int]]:
    """Members per split room, and the user indexes that have a live index room."""
    rooms = server_stats(url)["rooms"]
    split = {room: rooms.get(room, 0) for room in SPLIT_ROOMS}
    indexes = []
    for room, members in rooms.items():
        if room.startswith("index-"):
            indexes += [int(room.removeprefix("index-"))] * members
    return split, sorted(indexes)


def test_forty_users_on_two_workers_split_exactly_over_eight_rooms_through_a_ramp(cluster_demo, tmp_path):
    target = tmp_path / "target"
    target.write_text("40")
    with locust_cluster(
        LOCUSTFILES / "rooms_by_index.py",
        ["--host", cluster_demo, "--only-summary"],
        tmp_path,
        env={"LOCUST_WS_TEST_TARGET_FILE": str(target)},
    ) as cluster:

        def users_live(count: int) -> Callable[[], bool]:
            def check() -> bool:
                split, indexes = live_split(cluster_demo)
                return sum(split.values()) == count and len(indexes) == count

            return check

        wait_until(users_live(40), 60, "40 users connected", cluster)
        split, indexes = live_split(cluster_demo)
        assert split == dict.fromkeys(SPLIT_ROOMS, 5)
        assert indexes == list(range(40))  # unique and contiguous across both workers

        target.write_text("20")
        wait_until(users_live(20), 30, "ramp down to 20 users", cluster)
        _, indexes = live_split(cluster_demo)
        assert len(set(indexes)) == 20 and set(indexes) <= set(range(40))

        target.write_text("40")
        wait_until(users_live(40), 30, "ramp back up to 40 users", cluster)
        split, indexes = live_split(cluster_demo)
        assert split == dict.fromkeys(SPLIT_ROOMS, 5)
        assert indexes == list(range(40))

        target.write_text("stop")
        output = cluster.wait(timeout=60)
    assert "Traceback" not in output
    rows = stats_rows(output)  # the master's totals: both workers' stats arrived
    assert rows["POST /login"] == (60, 0)
    assert rows["connect /rooms/[split]"] == (60, 0)
    assert rows["connect /rooms/[index]"] == (60, 0)


def test_connect_rate_cap_holds_across_the_whole_cluster(cluster_demo, tmp_path):
    started = time.time()
    with locust_cluster(
        LOCUSTFILES / "herd.py",
        ["--host", cluster_demo, "-u", "120", "-r", "120", "-t", "60s", "--ws-connect-rate", "40"],
        tmp_path,
    ) as cluster:
        wait_until(
            lambda: server_stats(cluster_demo)["open_connections"] >= 120, 60, "120 connections", cluster
        )
        times = [t for t in server_stats(cluster_demo)["handshake_times"] if t >= started]
        cluster.master.terminate()  # Locust quits on SIGTERM like at the end of --run-time
        output = cluster.wait(timeout=60)
    assert len(times) == 120
    peak = peak_rate(times)
    print(f"cluster-wide peak: {peak:.0f} handshakes/s with --ws-connect-rate 40")
    assert peak <= 40 * 1.1
    assert max(times) - min(times) >= 119 / 40 * 0.9  # paced, not merely lucky
    assert "Traceback" not in output
    assert stats_rows(output)["connect /echo"] == (120, 0)
