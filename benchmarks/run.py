"""Benchmarks: figures and ratios measured in one run, printed as a table.

    python benchmarks/run.py [--quick] [--only echo,handshake,idle,fanout]

The demo server runs pinned to core 0 and each measurement in its own process pinned to core 1
(`taskset`, when present), so "per core" means per generator core. Every ratio's baseline runs in
the same invocation, right before or after what it is compared with: on shared machines absolute
numbers are noise, ratios are not.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from locust_ws.demo import start_demo_process, stop_demo_process

HERE = Path(__file__).resolve().parent


@dataclass
class Sizes:
    seconds: float
    echo_users: tuple[int, ...]
    handshake_users: int
    idle_users: int
    fanout_receivers: int


FULL = Sizes(seconds=10.0, echo_users=(50, 500), handshake_users=20, idle_users=10_000, fanout_receivers=200)
QUICK = Sizes(seconds=4.0, echo_users=(50, 500), handshake_users=20, idle_users=10_000, fanout_receivers=200)
TINY = Sizes(seconds=0.5, echo_users=(5,), handshake_users=2, idle_users=20, fanout_receivers=5)


def pin(core: int) -> list[str]:
    return ["taskset", "-c", str(core)] if shutil.which("taskset") and os.cpu_count() >= 2 else []


def measure(url: str, scenario: str, variant: str, users: int, seconds: float) -> dict:
    reset(url)
    command = [*pin(1), sys.executable, str(HERE / "scenarios.py"), scenario, variant]
    command += ["--url", url, "--users", str(users), "--seconds", str(seconds)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds * 4 + 180, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{scenario}/{variant} failed:\n{result.stderr[-2000:]}")
    if result.stderr.strip():
        print(result.stderr.strip(), file=sys.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


def reset(url: str) -> None:
    request = urllib.request.Request(
        url.replace("ws://", "http://") + "/stats/reset", data=b"", method="POST"
    )
    urllib.request.urlopen(request, timeout=5).close()


def verdict(value: float, target: float, stretch: float | None = None, lower_is_better: bool = False) -> str:
    def meets(goal: float) -> bool:
        return value <= goal if lower_is_better else value >= goal

    if stretch is not None and meets(stretch):
        return "MET (stretch too)"
    return "MET" if meets(target) else "MISSED"


def rate(result: dict) -> float:
    return result["ops"] / result["seconds"]


def cpu_us(result: dict) -> float:
    return result["cpu"] / max(result["ops"], 1) * 1e6


def line(name: str, figure: str, ratio: str, target: str, status: str) -> None:
    print(f"{name:<14} {figure:<34} {ratio:<14} {target:<18} {status}", flush=True)


def run_echo(url: str, sizes: Sizes) -> None:
    for users in sizes.echo_users:
        bare = measure(url, "echo", "bare", users, sizes.seconds)
        ours = measure(url, "echo", "user", users, sizes.seconds)
        ratio = rate(ours) / rate(bare)
        line(
            f"echo {users}u",
            f"{rate(ours):,.0f} rt/s  {cpu_us(ours):.0f} us/rt  {ours['rss_kib'] / 1024:.0f} MB",
            f"{ratio:.2f}x bare",
            "target 1.0x (1.5x)",
            verdict(ratio, 1.0, 1.5),
        )
        line("", f"bare: {rate(bare):,.0f} rt/s  {cpu_us(bare):.0f} us/rt", "", "", "")


def run_handshake(url: str, sizes: Sizes) -> None:
    bare = measure(url, "handshake", "bare", sizes.handshake_users, sizes.seconds)
    ours = measure(url, "handshake", "user", sizes.handshake_users, sizes.seconds)
    ratio = rate(ours) / rate(bare)
    line(
        "handshake",
        f"{rate(ours):,.0f} hs/s  {cpu_us(ours):.0f} us/hs",
        f"{ratio:.2f}x bare",
        "target 1.0x (2x)",
        verdict(ratio, 1.0, 2.0),
    )
    line("", f"bare: {rate(bare):,.0f} hs/s  {cpu_us(bare):.0f} us/hs", "", "", "")


def run_idle(url: str, sizes: Sizes) -> None:
    ours = measure(url, "idle", "user", sizes.idle_users, sizes.seconds)
    held, per_conn = ours["ops"], ours["kib_per_connection"]
    enough = held >= min(sizes.idle_users, 10_000)
    status = verdict(per_conn, 16.0, 6.0, lower_is_better=True) if enough else "MISSED (connections)"
    line(
        "idle",
        f"{held:,} held  {per_conn:.1f} KiB/conn  cpu {ours['cpu'] / ours['seconds'] * 100:.1f}%",
        f"{ours['failures']} failures",
        "target <=16 KiB (6)",
        status,
    )


def run_fanout(url: str, sizes: Sizes) -> None:
    ours = measure(url, "fanout", "user", sizes.fanout_receivers, sizes.seconds)
    p99 = ours["fanout_p99_ms"]
    line(
        f"fanout 1->{sizes.fanout_receivers}",
        f"{rate(ours):,.0f} delivered/s  p99 {p99:.2f} ms" if p99 is not None else "no deliveries",
        "",
        "(figure only)",
        "",
    )


RUNNERS = {"echo": run_echo, "handshake": run_handshake, "idle": run_idle, "fanout": run_fanout}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter measurements (under 3 minutes)")
    parser.add_argument("--tiny", action="store_true", help="smoke sizes: checks the scripts work")
    parser.add_argument("--only", default=",".join(RUNNERS), help="comma-separated scenarios")
    args = parser.parse_args()
    sizes = TINY if args.tiny else QUICK if args.quick else FULL
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(chosen) - set(RUNNERS)
    if unknown:
        parser.error(f"unknown scenarios {sorted(unknown)}; choose from {sorted(RUNNERS)}")
    process, url = start_demo_process(wrapper=pin(0))
    try:
        print(f"server {url} pinned: {bool(pin(0))}; generator in its own process per measurement")
        line("scenario", "figure", "ratio", "target", "status")
        for name in chosen:
            RUNNERS[name](url, sizes)
    finally:
        stop_demo_process(process)


if __name__ == "__main__":
    main()
