"""What the demo server does with a client that reads its ``/feed`` slower than it is pushed.

Once the client's receive buffer and the server's send buffer are full, a server must choose, and
real ones differ: wait (TCP backpressure: the pusher blocks, every message arrives, later and
later), drop the messages that do not fit, disconnect the slow client, or queue without bound
(memory grows until something breaks). ``--slow-consumer`` picks one, so a slow-consumer test can
show each; ``/stats`` counts what the server did (``pushes_dropped``, ``slow_consumers_closed``,
``send_queue_peak``).
"""

from __future__ import annotations

from dataclasses import dataclass

import gevent
from gevent.queue import Full, Queue

from .connection import Connection, Frame
from .stats import DemoStats

SLOW_CONSUMER_ACTIONS = ("block", "drop", "close", "buffer")
SLOW_CONSUMER_CLOSE_CODE = 1008
CLOSE_FRAME_WAIT_S = 1.0


@dataclass(frozen=True)
class SlowConsumerPolicy:
    """``action`` once ``queue_limit`` pushes wait for a client's socket: ``block`` (the pusher
    waits: the default, and no queue at all), ``drop`` the push, ``close`` the connection (1008
    ``slow consumer``, or a TCP drop when not even the close frame fits), or ``buffer`` without
    limit."""

    action: str = "block"
    queue_limit: int = 100

    def __post_init__(self) -> None:
        if self.action not in SLOW_CONSUMER_ACTIONS or self.queue_limit < 1:
            raise ValueError(
                f"slow-consumer action must be one of {SLOW_CONSUMER_ACTIONS} and the queue >= 1"
            )


class Outbox:
    """One connection's pushes, queued for a writer greenlet so a full socket holds the writer
    only, and the policy decides what happens to pushes that find the queue full."""

    def __init__(self, conn: Connection, policy: SlowConsumerPolicy, stats: DemoStats) -> None:
        self.conn = conn
        self.policy = policy
        self.stats = stats
        self.open = True
        self._queue: Queue = Queue(maxsize=None if policy.action == "buffer" else policy.queue_limit)
        self._writer = gevent.spawn(self._write)

    def push(self, frame: Frame) -> bool:
        """Queue ``frame``; False once the connection is gone (or was closed as too slow)."""
        if not self.open:
            return False
        try:
            self._queue.put_nowait(frame)
        except Full:
            if self.policy.action == "drop":
                self.stats.pushes_dropped += 1
                return True
            self._close_slow_consumer()
            return False
        self.stats.send_queue_peak = max(self.stats.send_queue_peak, self._queue.qsize())
        return True

    def stop(self) -> None:
        self.open = False
        self._writer.kill(block=False)

    def _write(self) -> None:
        while True:
            frame = self._queue.get()
            if not self.open or not self.conn.send(frame):
                self.open = False
                return

    def _close_slow_consumer(self) -> None:
        """The close frame goes after the frame being written (never into the middle of it); when
        even that one does not get out within ``CLOSE_FRAME_WAIT_S``, the connection is dropped."""
        self.stats.slow_consumers_closed += 1
        self.open = False
        if not gevent.with_timeout(CLOSE_FRAME_WAIT_S, self._send_close, timeout_value=False):
            self.conn.abort()
        self._writer.kill(block=False)

    def _send_close(self) -> bool:
        try:
            self.conn.close(SLOW_CONSUMER_CLOSE_CODE, "slow consumer")
        except OSError:
            return False
        return True
