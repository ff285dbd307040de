"""Slow consumers: a share of the users read slower than the server pushes. Does it wait for them,
drop what they cannot take, disconnect them, or buffer without bound?

    locust-ws-demo --port 8765 --slow-consumer drop --send-buffer 16384 &
    locust -f locustfiles/slow_consumers.py --headless -u 10 -r 10 -t 20s --host ws://127.0.0.1:8765

Every user logs in, subscribes to a ``/feed`` topic (``rate`` pushes of ``pad`` bytes a second,
each with a ``seq`` and a ``server_ts``) and reads. ``SlowReader`` (one user in five) reads at most
``receive_rate`` messages a second, with a small receive buffer so its backlog reaches the server
quickly; its receive lag is the ``server push (slow reader)`` row, the others' ``server push``.
At the end each process prints what its readers saw and what that says about the server:

    Slow consumers: the server pushes 200 msg/s of 4000 B; SlowReader reads 20 msg/s
    reader      users  received  missed  max lag  ended
    Reader          8     31992       0    15 ms  open
    SlowReader      2       792    6950   1.6 s  open
    server: drops messages for slow consumers: 6950 missed, receive lag up to 1.6 s

Run the demo server with ``--slow-consumer block`` (the default: backpressure), ``drop``,
``close`` (1008 ``slow consumer``) or ``buffer`` to see each; ``/stats`` also counts
``pushes_dropped``, ``slow_consumers_closed`` and ``send_queue_peak``. ``--send-buffer`` keeps
the kernel from absorbing megabytes first. With no ``--host`` the embedded demo server starts
(backpressure, kernel buffers).
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any, ClassVar

from locust import constant, events, task
from locust.env import Environment

from locust_ws import WebSocketUser, on_message
from locust_ws.patterns.slow_consumers import ReaderStats, slow_consumer_verdict

PUSH_RATE = 200
PAD_BYTES = 4000
READERS: dict[str, list[ReaderStats]] = defaultdict(list)
"""This process's readers by class name."""


class FeedReader(WebSocketUser):
    abstract = True
    wait_time = constant(1.0)
    reconnect = False  # a disconnect is what we want to see, not to repair
    ping_interval = 0.0  # a slow reader would answer pings late: not what this test is about
    started_reading: ClassVar[float] = 0.0

    def on_start(self) -> None:
        self.reading = ReaderStats()
        READERS[type(self).__name__].append(self.reading)
        token = self.http.post("/login", json={"username": f"reader-{self.user_index}"}).json()["token"]
        self.client.connect("/feed", query={"token": token, "rate": PUSH_RATE, "pad": PAD_BYTES})
        self.client.request({"op": "subscribe", "topic": f"t{self.user_index}"}, name="subscribe")
        FeedReader.started_reading = FeedReader.started_reading or time.monotonic()

    @on_message
    def count(self, message: Any) -> None:
        if isinstance(message, dict) and isinstance(message.get("seq"), int):
            self.reading.saw(message["seq"])
            self.reading.max_lag_ms = self.client.max_receive_lag_ms

    @task
    def listen(self) -> None:
        self.reading.close_code = None if self.client.connected else self.client.close_code


class Reader(FeedReader):
    weight = 4


class SlowReader(FeedReader):
    weight = 1
    receive_rate = 20.0
    receive_buffer = 4096


@events.test_stop.add_listener
def _print_readers(environment: Environment, **_kwargs: Any) -> None:
    if not READERS:
        return
    read_for_s = time.monotonic() - FeedReader.started_reading
    lines = [
        f"Slow consumers: the server pushes {PUSH_RATE} msg/s of {PAD_BYTES} B; "
        f"SlowReader reads {SlowReader.receive_rate:g} msg/s",
        "reader      users  received  missed  max lag  ended",
    ]
    for name, readers in sorted(READERS.items()):
        max_lag_ms = max(reader.max_lag_ms for reader in readers)
        lag = f"{max_lag_ms / 1000:.1f} s" if max_lag_ms >= 1000 else f"{max_lag_ms:.0f} ms"
        ended = sorted({str(reader.close_code) for reader in readers if reader.close_code is not None})
        lines.append(
            f"{name:<10}  {len(readers):>5}  {sum(r.received for r in readers):>8}  "
            f"{sum(r.missed for r in readers):>6}  {lag:>7}  {', '.join(ended) or 'open'}"
        )
    lines.append("server: " + slow_consumer_verdict(READERS.get("SlowReader", []), read_for_s))
    print("\n".join(lines), flush=True)
