"""Running a real Locust master with workers on loopback, for the distributed tests."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocustCluster:
    """A master and its workers, each a ``python -m locust`` process with output to a file."""

    def __init__(self, master: subprocess.Popen, workers: list[subprocess.Popen], logs: list[Path]) -> None:
        self.master = master
        self.workers = workers
        self._logs = logs

    def wait(self, timeout: float) -> str:
        """Wait for every process to exit; the master's output."""
        for process in (self.master, *self.workers):
            process.wait(timeout=timeout)
        return self.master_output()

    def master_output(self) -> str:
        return self._logs[0].read_text()

    def worker_output(self, number: int) -> str:
        return self._logs[number + 1].read_text()


@contextlib.contextmanager
def locust_cluster(
    locustfile: Path,
    master_args: Sequence[str],
    tmp_path: Path,
    workers: int = 2,
    env: Mapping[str, str] | None = None,
) -> Iterator[LocustCluster]:
    """Start a headless master expecting ``workers`` workers on a free loopback port, and the
    workers; every process is killed on the way out, whatever happened."""
    port = free_port()
    base = [sys.executable, "-m", "locust", "-f", str(locustfile)]
    commands = [
        [
            *base,
            "--master",
            "--master-bind-host=127.0.0.1",
            f"--master-bind-port={port}",
            "--headless",
            f"--expect-workers={workers}",
            "--expect-workers-max-wait=60",
            *master_args,
        ]
    ]
    commands += [[*base, "--worker", "--master-host=127.0.0.1", f"--master-port={port}"]] * workers
    process_env = {**os.environ, **(env or {})}
    logs = [tmp_path / f"locust-{number}.log" for number in range(len(commands))]
    processes = []
    try:
        for command, log in zip(commands, logs, strict=True):
            with log.open("w") as output:
                processes.append(
                    subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=process_env)
                )
        yield LocustCluster(processes[0], processes[1:], logs)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            process.wait()
