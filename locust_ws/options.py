"""argparse ``type`` functions of the ``--ws-*`` options: a malformed value stops Locust at start-up
with ``error: argument --ws-...: <reason>`` and exit code 2, before any load is sent."""

from __future__ import annotations

import argparse
import math

from .transport.sources import parse_source_addresses


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


def source_addresses(text: str) -> str:
    """Local IPs and networks, separated by commas or spaces (``127.0.0.2/31,10.0.0.5``); kept as
    text, each user picks its own (``RealtimeUser.source_address``). Empty: the kernel chooses."""
    try:
        parse_source_addresses(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected IP addresses or networks: {error}") from None
    return text
