"""Socket.IO rate-limited room tests: users rotate through rooms round-robin and respect the join
cooldown, so a rate-limited server accepts every join. ``--naive`` shows what happens otherwise.

    locust -f locustfiles/socketio_rooms.py --headless -u 40 -r 40 -t 30s
    locust -f locustfiles/socketio_rooms.py --headless -u 40 -r 40 -t 30s --naive

The demo server's ``/chat`` namespace allows one ``join`` per user every 2 s and at most 10
members per room; over a limit it answers ``rate_limited``. Each user logs in over REST, connects
to ``/chat`` with its token, and every ``ROTATE_EVERY`` seconds leaves its room and joins the next
one: ``room = ROOMS[(user_index + step) % len(ROOMS)]``, so N users fill the rooms evenly at every
step (at most two steps' worth of users, 2 * N / 8, share a room while users move). The wait for
the cooldown happens in the task (``self.cooldown``), never in a handler, so the connection keeps
receiving meanwhile. Between moves users chat in their room (``stamp=True``: the other members
report ``fanout``). Documented load: up to 40 users (8 rooms of 5, at most 10 during a move).

``--naive`` users skip both rules: everyone goes for the same room, and moves every task without
waiting for the cooldown: the rejections pile up (``room_full`` and ``cooldown``).

The report shows join latency (``call join``), fan-out latency (``fanout``) and rejections
(``recv rate_limited`` and the ``call join`` failures); at the end the locustfile prints::

    socketio_rooms summary: mode=round-robin joins=120 rejected=0 (cooldown=0, room_full=0)
"""

import time

from locust import between, events, task
from locust.runners import WorkerRunner

from locust_ws import RoundRobin, SocketIOUser

ROOMS = RoundRobin([f"room-{n}" for n in range(8)])
JOIN_COOLDOWN = 2.0  # the demo server's --sio-join-cooldown
ROTATE_EVERY = 3.0  # seconds in a room before moving on


@events.init_command_line_parser.add_listener
def _add_options(parser) -> None:
    parser.add_argument(
        "--naive",
        action="store_true",
        default=False,
        help="socketio_rooms: everyone in the same room, no cooldown (to see the rate limits bite)",
    )


class RoomUser(SocketIOUser):
    auto_connect = False  # connect after the REST login, with the token as auth
    wait_time = between(0.2, 0.4)

    def on_start(self) -> None:
        self.naive = self.environment.parsed_options.naive
        self.step = 0
        self.room: str | None = None
        self.moved_at = 0.0
        token = self.http.post("/login", json={"username": f"user{self.user_index}"}, name="POST /login")
        self.client.connect(namespaces=["/chat"], auth={"token": token.json()["token"]})
        self.move()

    def move(self) -> None:
        """Leave the current room and join the next one."""
        if self.naive:
            target = ROOMS.pick(0)
        else:
            target = ROOMS.pick(self.user_index, self.step)
            self.cooldown("join", JOIN_COOLDOWN)  # sleeps in this task only, if at all
        if self.room is not None:
            self.client.leave(self.room, namespace="/chat")
            self.room = None
        if self.client.join(target, namespace="/chat").ok:
            self.room = target
        self.step += 1
        self.moved_at = time.monotonic()

    @task
    def chat(self) -> None:
        if self.naive or self.room is None or time.monotonic() - self.moved_at >= ROTATE_EVERY:
            self.move()
        if self.room is not None:
            self.client.call("chat", {"text": "hello"}, room=self.room, stamp=True, namespace="/chat")


@events.quitting.add_listener
def _print_summary(environment, **_kwargs) -> None:
    if isinstance(environment.runner, WorkerRunner):
        return
    joins = environment.stats.get("call join", "SIO")
    reasons = {"cooldown": 0, "room_full": 0}
    for error in environment.stats.errors.values():
        for reason in reasons:
            if error.name == "call join" and f"({reason})" in str(error.error):
                reasons[reason] += error.occurrences
    mode = "naive" if environment.parsed_options.naive else "round-robin"
    print(
        f"socketio_rooms summary: mode={mode} joins={joins.num_requests} rejected={joins.num_failures} "
        f"(cooldown={reasons['cooldown']}, room_full={reasons['room_full']})",
        flush=True,
    )
