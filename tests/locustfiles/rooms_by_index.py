"""Test locustfile: users split over 8 rooms by ``RoundRobin`` on the cluster-wide user index.

Each user also joins ``/rooms/index-<user_index>``, so the server's room list shows which indexes
are live (a duplicate would make a room of 2). The user count is whatever number the file named by
``LOCUST_WS_TEST_TARGET_FILE`` holds, so the test drives the ramp; ``stop`` ends the run.
"""

import os
from pathlib import Path

from locust import LoadTestShape, constant, task

from locust_ws import RoundRobin, WebSocketUser

ROOMS = RoundRobin([f"split-{number}" for number in range(8)])
TARGET_FILE = Path(os.environ["LOCUST_WS_TEST_TARGET_FILE"])
MAX_RUN_S = 120


class RoomUser(WebSocketUser):
    auto_connect = False
    ping_interval = 0
    wait_time = constant(1)

    def on_start(self):
        token = self.http.post("/login", json={"username": "u"}, name="POST /login").json()["token"]
        room = ROOMS.pick(self.user_index)
        self.client.connect(f"/rooms/{room}", query={"token": token}, name="connect /rooms/[split]")
        self.index_room = self.new_session()
        self.index_room.connect(
            f"/rooms/index-{self.user_index}", query={"token": token}, name="connect /rooms/[index]"
        )

    @task
    def idle(self):
        pass


class TargetFromFile(LoadTestShape):
    def tick(self):
        target = TARGET_FILE.read_text().strip()
        if target == "stop" or self.get_run_time() > MAX_RUN_S:
            return None
        return int(target), 100
