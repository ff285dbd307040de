"""argparse ``type`` functions of the ``--ws-*`` options (and of Locust's output-file options): a
malformed value stops Locust at start-up with ``error: argument --ws-...: <reason>`` and exit code 2,
before any load is sent."""

from __future__ import annotations

import argparse
import math
import os
import re
from urllib.parse import urlsplit

from .transport.sources import parse_source_addresses

_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


def non_negative_number(text: str) -> float:
    """A finite number >= 0 (seconds, rates)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def positive_number(text: str) -> float:
    """A finite number > 0 (an interval: 0 would spin)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def fraction(text: str) -> float:
    """``10%`` or ``0.1``: a fraction from 0 to 1."""
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"expected a fraction from 0 to 1 (0.1 or 10%), got {text!r}")
    return value


def http_url(text: str) -> str:
    """An ``http://`` or ``https://`` URL with a host (a Prometheus endpoint)."""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(
            f"expected an http:// or https:// URL such as http://127.0.0.1:8765/metrics, got {text!r}"
        )
    return text


def metric_name(text: str) -> str:
    """A Prometheus metric name (``process_open_fds``)."""
    if not _METRIC_NAME.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"expected a Prometheus metric name such as process_open_fds, got {text!r}"
        )
    return text


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


def writable_file(text: str) -> str:
    """A file the run can write when it ends (``--ws-json``, ``--html``, ``--json-file``): refused
    now rather than found unwritable after the run, its results lost. Nothing is created here;
    missing directories are created when the file is written."""
    if problem := unwritable(text):
        raise argparse.ArgumentTypeError(f"cannot write {text}: {problem}")
    return text


def writable_prefix(text: str) -> str:
    """A ``--csv`` prefix: the files ``PREFIX_stats.csv`` and its siblings must be writable."""
    writable_file(f"{text}_stats.csv")
    return text


def unwritable(path: str) -> str | None:
    """Why ``path`` could not be written (``None`` when it could), without touching anything: an
    existing path must be a writable file, else the nearest existing directory on the way to it
    must let us create what is missing."""
    target = os.path.abspath(path)
    if os.path.isdir(target):
        return "it is a directory"
    if os.path.exists(target):
        return None if os.access(target, os.W_OK) else "permission denied"
    ancestor = os.path.dirname(target)
    while not os.path.exists(ancestor):
        ancestor = os.path.dirname(ancestor)
    if not os.path.isdir(ancestor):
        return f"{ancestor} is not a directory"
    if not os.access(ancestor, os.W_OK | os.X_OK):
        return f"cannot create files in {ancestor}"
    return None
