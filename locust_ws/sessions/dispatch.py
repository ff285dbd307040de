"""``HandlerDispatcher``: the locustfile's message handlers, run off the reader greenlet.

The reader must never wait for user code: it answers pings, resolves round trips and takes the
fan-out and push stamps the moment a frame arrives. A handler that sleeps or does a slow REST call
in the reader would stall all of that (a missed pong drops the connection with 1006, every latency
measured behind it grows). So the reader only queues a job here, and one greenlet per session
runs the jobs in arrival order, as Socket.IO clients do. A handler that raises is a ``handler
<name>`` failure entry; one slower than ``slow_handler_ms`` is logged once, since the jobs behind
it wait (their measured latencies do not).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from time import perf_counter
from typing import Any

import gevent
from gevent.queue import SimpleQueue

from ..errors import HandlerError
from .events import Kind
from .reporter import Reporter

logger = logging.getLogger(__name__)

Job = Callable[[], None]


class HandlerDispatcher:
    """One session's handler greenlet and its queue (both made on first use)."""

    __slots__ = ("_greenlet", "_inbox", "_report", "_slow", "slow_handler_ms")

    def __init__(self, report: Reporter, slow_handler_ms: float = 100.0) -> None:
        self._report = report
        self.slow_handler_ms = slow_handler_ms
        self._inbox: SimpleQueue | None = None
        self._greenlet: gevent.Greenlet | None = None
        self._slow: set[str] | None = None  # the handlers logged as slow, made for the first

    def submit(self, job: Job) -> None:
        """Queue ``job`` (called from the reader; never blocks)."""
        if self._greenlet is None or self._greenlet.dead:
            self._inbox = SimpleQueue()
            self._greenlet = gevent.spawn(self._run, self._inbox)
        assert self._inbox is not None
        self._inbox.put(job)

    def run_handler(self, handler: Callable[..., Any], args: tuple[Any, ...]) -> tuple[bool, Any]:
        """Call ``handler(*args)``: ``(True, result)``, or ``(False, None)`` after reporting what it
        raised as a failure entry."""
        handler_name = getattr(handler, "__name__", type(handler).__name__)
        start = perf_counter()
        try:
            return True, handler(*args)
        except Exception as error:  # noqa: BLE001 - a broken handler must not stop the others
            self._report.fire(
                Kind.HANDLER, f"handler {handler_name}", None, 0, HandlerError(handler_name, error)
            )
            return False, None
        finally:
            took_ms = (perf_counter() - start) * 1000.0
            if took_ms > self.slow_handler_ms and handler_name not in (self._slow or ()):
                self._slow = {*(self._slow or ()), handler_name}
                logger.warning(
                    "message handler %s took %.0f ms: handlers run one after another, so later "
                    "messages wait for their handlers (their measured latencies do not). Move slow "
                    "work into a task.",
                    handler_name,
                    took_ms,
                )

    def stop(self) -> None:
        """End the handler greenlet (jobs still queued are dropped with it)."""
        greenlet, self._greenlet = self._greenlet, None
        if greenlet is not None and greenlet is not gevent.getcurrent():
            greenlet.kill(block=True, timeout=1.0)

    @staticmethod
    def _run(inbox: SimpleQueue) -> None:
        while True:
            inbox.get()()
