"""Cluster-wide user indexes, handed out by the master over Locust's custom messages.

Locust numbers users per process, so with several workers every worker has a "user 0" and a
round-robin split collides. Here the master (or the single local process) keeps one
``IndexPool`` for the whole run; a worker asks it for an index when a user starts and gives the
index back when the user stops:

    worker                                master
    locust_ws_index_request {request}  ->  lowest free index, held by that worker
                                       <-  locust_ws_index_grant {request, index, workers}
    locust_ws_index_release {index}    ->  index free again

Grants also carry the number of workers, which is how a worker learns its share of the
cluster-wide connect-rate cap. A grant that arrives after its user was stopped is given back at
once, and the indexes of a worker that quit or went missing are freed on the next request, so
indexes never leak and ramps up and down keep the split even.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from gevent.event import AsyncResult
from locust.exception import RPCError
from locust.rpc import Message
from locust.runners import MasterRunner, Runner, WorkerRunner

from .indexes import IndexPool

INDEX_REQUEST = "locust_ws_index_request"
INDEX_GRANT = "locust_ws_index_grant"
INDEX_RELEASE = "locust_ws_index_release"
_ATTRIBUTE = "_locust_ws_user_indexes"


class UserIndexes:
    """Where a process gets its users' indexes from: in-process for a local run (this class)."""

    def __init__(self) -> None:
        self.pool = IndexPool()
        self.workers = 1
        """How many worker processes share the run's users (1 for a local run)."""
        self.timeout_reported = False
        """Whether a user already logged that no index came in time (said once, not per user)."""

    def acquire(self, timeout: float) -> int:
        """A cluster-wide unique index for a starting user; ``gevent.Timeout`` after ``timeout`` s."""
        return self.pool.acquire()

    def release(self, index: int) -> None:
        """Give a stopped user's index back."""
        self.pool.release(index)


class MasterIndexes(UserIndexes):
    """The pool of the whole cluster, on the master, which runs no users itself."""

    def __init__(self, runner: MasterRunner) -> None:
        super().__init__()
        self.runner = runner
        runner.register_message(INDEX_REQUEST, self._on_request)
        runner.register_message(INDEX_RELEASE, self._on_release)

    def acquire(self, timeout: float) -> int:
        raise RuntimeError("the master runs no users; user indexes are acquired on the workers")

    def _on_request(self, msg: Message, **_kwargs: Any) -> None:
        self._free_indexes_of_departed_workers()
        index = self.pool.acquire(owner=msg.node_id)
        grant = {"request": msg.data["request"], "index": index, "workers": max(1, self.runner.worker_count)}
        self.runner.send_message(INDEX_GRANT, grant, client_id=msg.node_id)

    def _on_release(self, msg: Message, **_kwargs: Any) -> None:
        self.pool.release(msg.data["index"], owner=msg.node_id)

    def _free_indexes_of_departed_workers(self) -> None:
        for owner in self.pool.owners() - set(self.runner.clients):
            self.pool.release_owner(owner)


class WorkerIndexes(UserIndexes):
    """A worker's side: asks the master and waits (in the starting user's greenlet) for the grant."""

    def __init__(self, runner: WorkerRunner) -> None:
        super().__init__()
        self.runner = runner
        self._pending: dict[str, AsyncResult[int]] = {}
        runner.register_message(INDEX_GRANT, self._on_grant)

    def acquire(self, timeout: float) -> int:
        request = uuid.uuid4().hex
        grant = self._pending[request] = AsyncResult()
        try:
            self.runner.send_message(INDEX_REQUEST, {"request": request})
            index = grant.get(timeout=timeout)
            assert index is not None  # _on_grant always sets the granted int
            return index
        finally:
            self._pending.pop(request, None)

    def release(self, index: int) -> None:
        # A master that is gone frees nothing anyway; the stopping user must not fail over it.
        with contextlib.suppress(RPCError):
            self.runner.send_message(INDEX_RELEASE, {"index": index})

    def _on_grant(self, msg: Message, **_kwargs: Any) -> None:
        self.workers = msg.data["workers"]
        grant = self._pending.pop(msg.data["request"], None)
        if grant is None:  # its user was stopped while waiting: nobody will ever release it
            self.release(msg.data["index"])
        else:
            grant.set(msg.data["index"])


def user_indexes(runner: Runner | None) -> UserIndexes:
    """The index source of this process: created on first use, kept on the runner."""
    indexes = getattr(runner, _ATTRIBUTE, None)
    if indexes is None:
        if isinstance(runner, MasterRunner):
            indexes = MasterIndexes(runner)
        elif isinstance(runner, WorkerRunner):
            indexes = WorkerIndexes(runner)
        else:
            indexes = _PROCESS_INDEXES if runner is None else UserIndexes()
        if runner is not None:
            setattr(runner, _ATTRIBUTE, indexes)
    return indexes


_PROCESS_INDEXES = UserIndexes()  # users run without a runner (a bare Environment)
