"""A chat workload: REST login, then rooms, fan-out latency, a subscribed push feed and heartbeats.

    locust -f locustfiles/chat.py --headless -u 200 -r 50 -t 30s

Each user logs in over HTTP (``POST /login``), opens ``/rooms/<room>`` with the token and a second
connection to ``/feed`` subscribed to a topic. Its chat messages are stamped with ``client_ts``, so
every other member of the room reports ``fanout`` latency (sender -> server -> receiver) and the
sender reports the room's round trip; the feed's ``server_ts`` stamps give ``server push``.
"""

from locust import between, task

from locust_ws import WebSocketUser

ROOM_SIZE = 10  # users per room: 200 users fill 20 rooms, also across master/worker clusters


class ChatUser(WebSocketUser):
    auto_connect = False  # we connect in on_start, after logging in
    ping_interval = 5.0
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        # user_index is unique across the whole cluster (0..N-1), so rooms fill evenly everywhere.
        login = self.http.post("/login", json={"username": f"user{self.user_index}"}, name="POST /login")
        token = login.json()["token"]
        room = f"room-{self.user_index // ROOM_SIZE}"
        self.client.connect(f"/rooms/{room}", query={"token": token}, name="connect /rooms/[room]")
        self.feed = self.new_session()
        self.feed.connect("/feed", query={"token": token, "rate": 2})
        self.feed.request({"op": "subscribe", "topic": "prices"}, name="subscribe")

    @task(5)
    def chat(self) -> None:
        # Everyone in the room gets it (fanout); our own copy comes back as the round trip.
        self.client.request({"type": "chat", "text": "hello"}, stamp=True, name="chat round trip")

    @task(1)
    def shout(self) -> None:
        self.client.send({"type": "chat", "text": "fire and forget"}, stamp=True, name="chat send")
