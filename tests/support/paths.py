"""Where things are, wherever the test using them sits in tests/."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The repository: the shipped ``locustfiles/``, ``benchmarks/``, ``charts/`` and ``locust_ws/``."""
TEST_LOCUSTFILES = ROOT / "tests" / "locustfiles"
"""The locustfiles written for the tests (not shipped)."""
