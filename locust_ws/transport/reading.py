"""How a connection's inbound frames are read: in a greenlet only while there are bytes to read.

A greenlet blocked in ``recv`` for every connection costs about 9 KiB each (its saved C stack, a
page of Python frame stack, the ``Greenlet`` object and its spawning stack), which is most of what
an idle connection costs. So a plain socket (``WireSocket.start_reading``) is read the way an
event loop reads: a libev read watcher waits for its bytes and holds nothing else; when they come,
the hub hands the connection to one of a few pooled reader greenlets, which makes one ``recv``,
delivers the events it completes and goes back to the pool. One reader serves every connection in
turn, since delivering an event does not block; another joins only while a delivery does (a send
into a full socket buffer, a slow consumer's pause), so one stuck connection never holds up the
others, and what is measured is what it was with a greenlet per connection.

Sockets whose bytes can be buffered out of the watcher's sight (TLS), and transports that are no
socket (Engine.IO long-polling), keep a greenlet of their own (``GreenletReading``). Either way the
session sees the same ``Reading``: its ``deliver`` gets every batch of events in order, in a
greenlet that may block, and ``end`` runs once, with the ``Closed`` that ended the connection, or
``None`` when the reading was killed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

import gevent
from gevent.hub import Waiter, get_hub

from ..protocol.connection import Closed, Event

Deliver = Callable[[list[Event]], "Closed | None"]
"""Handles a batch of events in order; returns the ``Closed`` among them (``None``: still open)."""
End = Callable[["Closed | None"], None]

IDLE_READERS = 2
"""Pooled reader greenlets kept waiting for work; more are made while deliveries block."""


class _ReaderGreenlet(gevent.Greenlet):
    """A reader greenlet started without gevent's record of the stack that spawned it (ten frames
    walked and kept per greenlet, for debugging tools only)."""

    __slots__ = ()
    spawning_stack_limit = 0


class Reading(Protocol):
    """A connection being read, as its session sees it."""

    @property
    def dead(self) -> bool:
        """True once ``end`` has run."""

    def join(self, timeout: float | None = None) -> None:
        """Wait up to ``timeout`` seconds for the reading to end."""

    def kill(self, timeout: float = 1.0) -> None:
        """End the reading now (``end(None)`` unless it had ended), waiting up to ``timeout`` s;
        nothing when called from the reading itself."""


class GreenletReading:
    """A greenlet of the connection's own, blocked in the transport's ``read``."""

    __slots__ = ("_greenlet",)

    def __init__(self, read: Callable[[], list[Event]], deliver: Deliver, end: End) -> None:
        self._greenlet = _ReaderGreenlet.spawn(_read_loop, read, deliver, end)

    @property
    def dead(self) -> bool:
        return self._greenlet.dead

    def join(self, timeout: float | None = None) -> None:
        self._greenlet.join(timeout)

    def kill(self, timeout: float = 1.0) -> None:
        if self._greenlet is not gevent.getcurrent():
            self._greenlet.kill(block=True, timeout=timeout)


def _read_loop(read: Callable[[], list[Event]], deliver: Deliver, end: End) -> None:
    closed: Closed | None = None
    try:
        while closed is None:
            closed = deliver(read())
    finally:
        end(closed)


class Source(Protocol):
    """What a watched socket offers its reading (``WireSocket``)."""

    def read_nowait(self) -> list[Event]:
        """One ``recv`` that never waits: the events it completed (``[]``: none, or no bytes)."""

    def has_pending(self) -> bool:
        """Whether ``read_nowait`` has events without new bytes (read again before waiting)."""


class WatchedReading:
    """A socket read by the pooled readers whenever its read watcher says it is readable."""

    __slots__ = ("_deliver", "_end", "_joiners", "_reader", "_source", "_watcher", "dead")

    def __init__(self, fileno: int, source: Source, deliver: Deliver, end: End) -> None:
        self._source, self._deliver, self._end = source, deliver, end
        self._watcher: Any = get_hub().loop.io(fileno, 1)
        self._reader: Any = None  # the pooled greenlet reading it now, if any
        self._joiners: list[Waiter[None]] = []  # greenlets in join(), woken once it ended
        self.dead = False
        if source.has_pending():  # bytes that came with the handshake: read them first
            _readers.run(self)
        else:
            self._watcher.start(self._readable)

    def close_watcher(self) -> None:
        """Let go of the file descriptor before the socket is closed (libev must not watch a
        descriptor number the kernel may hand to the next socket)."""
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            if watcher.active:  # waiting for bytes: a reader now finds the socket closed
                _readers.run(self)
            watcher.close()

    def _readable(self) -> None:
        """In the hub: the socket has bytes (or its end)."""
        self._watcher.stop()
        _readers.run(self)

    def serve(self) -> None:
        """In a pooled reader: one ``recv`` and its events, then wait for the next bytes."""
        if self.dead:
            return
        self._reader = gevent.getcurrent()
        closed: Closed | None = None
        try:
            source = self._source
            closed = self._deliver(source.read_nowait())
            while closed is None and (self._watcher is None or source.has_pending()):
                closed = self._deliver(source.read_nowait())
        except BaseException:
            self._finish(None)
            raise
        finally:
            self._reader = None
        if closed is not None:
            self._finish(closed)
        else:
            self._watcher.start(self._readable)

    def _finish(self, closed: Closed | None) -> None:
        if self.dead:
            return
        self.dead = True
        watcher = self._watcher
        if watcher is not None:
            watcher.stop()
        try:
            self._end(closed)
        finally:
            run_callback = get_hub().loop.run_callback
            for joiner in self._joiners:
                run_callback(joiner.switch, None)

    def join(self, timeout: float | None = None) -> None:
        """Wait for the end, up to ``timeout`` s: a ``Waiter`` and a bare libev timer, without the
        ``Timeout`` object and link list of a gevent ``Event`` (every close of a connection waits
        here for the server's close frame)."""
        if self.dead:
            return
        joiner: Waiter[None] = Waiter()
        self._joiners.append(joiner)
        timer = None
        if timeout is not None:
            timer = get_hub().loop.timer(timeout)
            timer.start(joiner.switch, None, update=True)
        try:
            joiner.get()
        finally:
            if timer is not None:
                timer.close()
            self._joiners.remove(joiner)

    def kill(self, timeout: float = 1.0) -> None:
        if self.dead:
            return
        reader = self._reader
        if reader is None:  # waiting for bytes: it ends here, as a killed reader ends in its own greenlet
            self._finish(None)
        elif reader is not gevent.getcurrent():
            reader.kill(block=True, timeout=timeout)


class _Readers:
    """The pool of reader greenlets. Read watchers call ``run`` in the hub; the readable
    connections of one loop turn are queued and served by one reader, handed them by a single
    loop callback (``_dispatch``), so a turn with many readable sockets costs two greenlet
    switches, not two per socket. An idle reader holds no reading: a connection its locustfile
    dropped is released at once."""

    def __init__(self) -> None:
        self._idle: list[Any] = []
        self._waiting: deque[WatchedReading] = deque()
        self._dispatching = False  # a _dispatch callback is due

    def run(self, reading: WatchedReading) -> None:
        self._waiting.append(reading)
        self._schedule()

    def _schedule(self) -> None:
        if not self._dispatching:
            self._dispatching = True
            get_hub().loop.run_callback(self._dispatch)

    def _dispatch(self) -> None:
        """In the hub: a reader for the queue, unless it is empty (its reader served it all)."""
        self._dispatching = False
        if self._waiting:
            if self._idle:
                self._idle.pop().switch()
            else:
                _ReaderGreenlet.spawn(self._work)

    def _work(self) -> None:
        me = gevent.getcurrent()
        hub = get_hub()
        waiting = self._waiting
        reading: WatchedReading | None
        try:
            while True:
                while waiting:
                    reading = waiting.popleft()
                    if waiting:
                        # Should this delivery block (a full socket buffer, a slow consumer's
                        # pause), the hub runs the callback and another reader takes the rest.
                        self._schedule()
                    reading.serve()
                    reading = None  # an idle reader must hold no session
                if len(self._idle) >= IDLE_READERS:
                    return
                self._idle.append(me)
                hub.switch()
        finally:
            if me in self._idle:
                self._idle.remove(me)


_readers = _Readers()
"""The process's readers (Locust runs every user of a process in one gevent hub)."""
