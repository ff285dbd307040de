"""argparse ``type`` functions of the ``--ws-*`` options: a malformed value stops Locust at start-up
with ``error: argument --ws-...: <reason>`` and exit code 2, before any load is sent."""

from __future__ import annotations

import argparse
import math


def non_negative_number(text: str) -> float:
    """A finite number >= 0 (seconds, rates)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def exit_code(text: str) -> int:
    """A process exit code, 0 to 255: the operating system keeps only the low byte, so 256 would
    read as success."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an exit code from 0 to 255, got {text!r}") from None
    if not 0 <= value <= 255:
        raise argparse.ArgumentTypeError(f"expected an exit code from 0 to 255, got {text!r}")
    return value
