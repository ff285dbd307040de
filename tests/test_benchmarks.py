"""The benchmark scripts keep working: ``benchmarks/run.py --tiny`` runs every scenario at smoke sizes
(a few users, a fraction of a second each) and prints its table. No figure is asserted: they are
measurements, not tests."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

RUN = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"


def test_tiny_benchmark_run_prints_every_scenario_with_its_target():
    result = subprocess.run(
        [sys.executable, str(RUN), "--tiny"], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    status = r"(MET|MET \(stretch too\)|MISSED)$"
    for scenario, unit, ratio in [
        ("echo 5u", "rt/s/core", "x bare"),
        ("handshake", "hs/s/core", "x bare"),
        ("socketio 3u", "acks/s/core", "x contrib"),
    ]:
        [row] = [line for line in lines if line.startswith(scenario)]
        assert re.search(rf"[\d,]+ {re.escape(unit)}\s+[\d.]+{ratio}\s+target .*{status}", row), row
    [idle] = [line for line in lines if line.startswith("idle")]
    assert re.search(rf"20 held\s+[\d.]+ KiB/conn\s+target .*{status}", idle), idle
    assert any(line.startswith("fanout 1->3") and "delivered/s" in line for line in lines)
    for payload in ("chat", "history"):
        [row] = [line for line in lines if line.startswith(f"deflate {payload}")]
        trade_off = r"\d+ us CPU/rt \(off \d+\)\s+[\d.]+x CPU\s+\d+ B/msg \(off \d+\)\s+ratio [\d.]+x"
        assert re.search(trade_off, row), row
    assert sum("-bound" in line or "neither side saturated" in line for line in lines) >= 11
