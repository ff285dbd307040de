"""Users spread evenly over chat rooms, each walking through all the rooms in turn.

    locust -f locustfiles/rooms.py --headless -u 40 -r 20 -t 60s --ws-connect-rate 20

Each user logs in and joins room ``(user_index + step) % 8``, with ``step`` advancing on every
hop. It starts at step 0, so the rooms fill evenly (exactly 5 users each with 40 users), on one
process or across a master with workers alike: ``user_index`` is numbered by the master for the
whole cluster. Hops are rate-limited with a cooldown that waits in the task, so heartbeats and
room messages keep flowing meanwhile, and ``--ws-connect-rate`` keeps the server from being hit by
all handshakes of a spawn burst at once.
"""

from locust import between, task

from locust_ws import RoundRobin, WebSocketUser

ROOMS = RoundRobin([f"room-{number}" for number in range(8)])
HOP_COOLDOWN_S = 5.0


class RoomHopper(WebSocketUser):
    auto_connect = False  # we connect in on_start, after logging in
    ping_interval = 5.0
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        login = self.http.post("/login", json={"username": f"user{self.user_index}"}, name="POST /login")
        self.token = login.json()["token"]
        self.rooms = ROOMS.walk(self.user_index)
        self.hop()

    @task(5)
    def chat(self) -> None:
        # Everyone in the room gets it (fanout); our own copy comes back as the round trip.
        self.client.request({"type": "chat", "text": "hello"}, stamp=True, name="chat round trip")

    @task(1)
    def hop(self) -> None:
        self.cooldown("hop", seconds=HOP_COOLDOWN_S)  # at most one room change per 5 s
        room = next(self.rooms)
        self.client.connect(f"/rooms/{room}", query={"token": self.token}, name="connect /rooms/[room]")
