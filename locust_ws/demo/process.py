"""Running the demo server as a child process, for pytest fixtures and auto-started locustfiles.

A separate process keeps the server's CPU out of the load generator's and lets tests kill it.
"""

from __future__ import annotations

import ctypes
import os
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Sequence

START_TIMEOUT_S = 15.0
_PR_SET_PDEATHSIG = 1
LISTENING_RE = re.compile(rb"locust-ws demo server listening on (wss?://\S+)\r?\n")


def start_demo_process(
    extra_args: Sequence[str] = (), timeout: float = START_TIMEOUT_S, wrapper: Sequence[str] = ()
) -> tuple[subprocess.Popen, str]:
    """Start `python -m locust_ws.demo --port 0 ...` and return (process, "ws://127.0.0.1:PORT").

    `wrapper` prefixes the command (benchmarks pin the server to a core with `taskset -c 0`).
    Waits for the listening line on the child's stdout; raises RuntimeError (after stopping the
    child) if it does not appear within `timeout` seconds or the child exits first.
    """
    proc = subprocess.Popen(
        [*wrapper, sys.executable, "-m", "locust_ws.demo", "--port", "0", *extra_args],
        stdout=subprocess.PIPE,
        preexec_fn=_die_with_parent if sys.platform == "linux" else None,
    )
    try:
        return proc, _read_url(proc, timeout)
    except BaseException:
        stop_demo_process(proc)
        raise


def _die_with_parent() -> None:
    """Runs in the child before exec: have the kernel SIGTERM it when the parent dies, so a killed
    Locust (SIGKILL, a crashed CI job) never leaves an orphaned server holding its port."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _read_url(proc: subprocess.Popen, timeout: float) -> str:
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    deadline = time.monotonic() + timeout
    output = b""
    while (remaining := deadline - time.monotonic()) > 0:
        readable, _, _ = select.select([fd], [], [], remaining)
        if not readable:
            break
        chunk = os.read(fd, 4096)  # unbuffered: a buffered readline could block past the deadline
        if not chunk:
            raise RuntimeError(f"demo server exited (code {proc.wait()}) before listening: {output!r}")
        output += chunk
        match = LISTENING_RE.search(output)
        if match:
            return match.group(1).decode("ascii")
    raise RuntimeError(f"demo server did not report a listening port within {timeout:.0f} s: {output!r}")


def stop_demo_process(proc: subprocess.Popen, timeout: float = 5.0) -> int:
    """SIGTERM the server, wait up to `timeout` s, SIGKILL if needed; returns its exit code."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()
    return proc.returncode
