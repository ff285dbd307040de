"""Soak benchmark: a real headless Locust run at steady load for a long time, watching the load
generator for leaks. Not part of the test suite.

    python benchmarks/soak.py [--minutes 10] [--users 50] [--warmup-minutes 2]

The demo server and ``locust -f benchmarks/soak_locustfile.py`` run as child processes. Every
``--interval`` seconds (60) it prints the generator's resident memory and open file descriptors
(and the server's, for reference) with the frames served so far. At the end it compares the last
sample with the one at the end of the warm-up: the soak passes (exit 0) when neither memory nor
file descriptors grew by ``--max-growth`` (5%) or more, and exits 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from locust_ws.demo import start_demo_process, stop_demo_process

HERE = Path(__file__).resolve().parent


@dataclass
class Sample:
    """One look at both processes, ``elapsed`` seconds into the run."""

    elapsed: float
    rss_kib: int
    fds: int
    server_rss_kib: int
    server_fds: int
    frames: int


def rss_kib(pid: int) -> int:
    """Resident memory of ``pid`` in KiB (VmRSS)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def frames_served(url: str) -> int:
    """Frames the demo server received so far, WebSocket and Socket.IO."""
    with urllib.request.urlopen(url.replace("ws://", "http://") + "/stats", timeout=5) as response:
        stats = json.loads(response.read())
    return stats["messages_in"] + stats["socketio"]["events_in"]


def sample(started: float, generator: int, server: int, url: str) -> Sample:
    return Sample(
        elapsed=time.monotonic() - started,
        rss_kib=rss_kib(generator),
        fds=open_fds(generator),
        server_rss_kib=rss_kib(server),
        server_fds=open_fds(server),
        frames=frames_served(url),
    )


def growth(before: float, after: float) -> float:
    return (after - before) / before if before else 0.0


def print_sample(entry: Sample, previous: Sample | None) -> None:
    before = previous or Sample(0.0, 0, 0, 0, 0, 0)
    rate = (entry.frames - before.frames) / (entry.elapsed - before.elapsed)
    print(
        f"{entry.elapsed / 60:6.1f}  {entry.rss_kib / 1024:8.1f}  {entry.fds:5d}  "
        f"{entry.server_rss_kib / 1024:10.1f}  {entry.server_fds:10d}  {entry.frames:10,d}  {rate:8.0f}",
        flush=True,
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the run (default 10)")
    parser.add_argument("--users", type=int, default=50, help="concurrent users (default 50)")
    parser.add_argument("--warmup-minutes", type=float, default=2.0, help="baseline taken after (default 2)")
    parser.add_argument("--interval", type=float, default=60.0, help="seconds between samples (default 60)")
    parser.add_argument("--max-growth", type=float, default=0.05, help="allowed growth (default 0.05)")
    args = parser.parse_args()
    if args.warmup_minutes >= args.minutes:
        parser.error("--warmup-minutes must be shorter than --minutes")
    return args


def main() -> int:
    args = parse_args()
    server, url = start_demo_process()
    log = Path(tempfile.mkdtemp(prefix="soak-")) / "locust.log"
    command = [sys.executable, "-m", "locust", "-f", str(HERE / "soak_locustfile.py"), "--headless"]
    command += ["--host", url, "-u", str(args.users), "-r", str(max(1, args.users // 5))]
    command += ["-t", f"{int(args.minutes * 60 + 5)}s", "--only-summary", "--stop-timeout", "5"]
    with log.open("w") as output:
        generator = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    started = time.monotonic()
    samples: list[Sample] = []
    print(f"soak: {args.users} users for {args.minutes:g} min against {url}; locust log {log}")
    print("minute    rss_MB    fds  server_MB  server_fds      frames   frames/s")
    try:
        while (next_at := len(samples) * args.interval + args.interval) <= args.minutes * 60:
            time.sleep(max(0.0, started + next_at - time.monotonic()))
            if generator.poll() is not None:
                raise RuntimeError(f"locust exited early with code {generator.returncode}; see {log}")
            samples.append(sample(started, generator.pid, server.pid, url))
            print_sample(samples[-1], samples[-2] if len(samples) > 1 else None)
        generator.wait(timeout=120)
    finally:
        if generator.poll() is None:
            generator.kill()
            generator.wait()
        stop_demo_process(server)
    baseline = next(entry for entry in samples if entry.elapsed >= args.warmup_minutes * 60 - 1)
    last = samples[-1]
    rss_growth, fd_growth = growth(baseline.rss_kib, last.rss_kib), growth(baseline.fds, last.fds)
    passed = rss_growth < args.max_growth and fd_growth < args.max_growth
    print(
        f"growth after warm-up (minute {baseline.elapsed / 60:.1f} -> {last.elapsed / 60:.1f}): "
        f"RSS {rss_growth:+.1%}, file descriptors {fd_growth:+.1%} (limit {args.max_growth:.0%}): "
        + ("PASS" if passed else "FAIL")
    )
    print(f"locust exit code {generator.returncode}; its summary is in {log}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
