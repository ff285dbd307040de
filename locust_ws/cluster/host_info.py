"""What ran where: each load generator's host, limits and versions, carried to the reports.

A result is only comparable with the next one when it says what produced it: a worker on another
host, with a lower open-files limit or a narrower ephemeral port range, or on another Locust,
explains a different number before anyone suspects the server. Every process describes itself
(``describe_host``); a worker sends that with each report (``HOST_KEY``), the master keeps the last
valid one per worker (``HostRegistry``, which refuses malformed ones as ``report_check`` does
metrics), and the summary lists them with a warning where the users planned on a process exceed
what its descriptors or its ports allow.
"""

from __future__ import annotations

import os
import platform
import resource
import socket
from collections.abc import Mapping
from typing import Any

import locust

from .. import __version__
from ..metrics.summary_types import HostSummary
from .open_files import SPARE_FILES

HOST_KEY = "locust_ws_host"
"""The key of a worker's self-description in its report to the master."""
PORT_RANGE_FILE = "/proc/sys/net/ipv4/ip_local_port_range"
_MAX_TEXT = 200


def port_range(path: str = PORT_RANGE_FILE) -> list[int] | None:
    """``[first, last]`` ephemeral port: every connection to one server address takes one of them,
    so their count bounds the connections per destination. ``None`` where the file does not exist."""
    try:
        with open(path, encoding="ascii") as file:
            first, last = (int(part) for part in file.read().split())
    except (OSError, ValueError):
        return None
    return [first, last]


def describe_host(planned_users: int = 0, connections_peak: int = 0) -> HostSummary:
    """This process: host name, pid, open-files limits, port range, versions, and the load it took."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    described: HostSummary = {
        "worker": "local",
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "open_files_limit": -1 if soft == resource.RLIM_INFINITY else soft,
        "open_files_hard_limit": -1 if hard == resource.RLIM_INFINITY else hard,
        "port_range": port_range(),
        "versions": {
            "locust_ws": __version__,
            "locust": locust.__version__,
            "python": platform.python_version(),
        },
        "planned_users": planned_users,
        "connections_peak": connections_peak,
        "warnings": [],
    }
    described["warnings"] = host_warnings(described)
    return described


def host_warnings(host: HostSummary) -> list[str]:
    """Why ``host`` could not hold the users planned on it (one connection each)."""
    planned = host["planned_users"]
    warnings = []
    limit = host["open_files_limit"]
    if planned and limit >= 0 and planned + SPARE_FILES > limit:
        warnings.append(
            f"{host['worker']} ({host['host']}) planned {planned} users but may open {limit} files "
            "(ulimit -n): connections beyond that fail with 'Too many open files'"
        )
    ports = host["port_range"]
    if planned and ports is not None and planned > ports[1] - ports[0] + 1:
        warnings.append(
            f"{host['worker']} ({host['host']}) planned {planned} users but has "
            f"{ports[1] - ports[0] + 1} ephemeral ports ({ports[0]}-{ports[1]}, {PORT_RANGE_FILE}) "
            "per server address: widen the range or spread the users over more hosts"
        )
    return warnings


class MalformedHost(ValueError):
    """A worker's self-description that is not one (the text says which field)."""


def check_host(report: Any, label: str) -> HostSummary:
    """A worker's ``HOST_KEY`` entry, field by field, relabelled as the master names the worker."""
    if not isinstance(report, Mapping):
        raise MalformedHost("not a mapping")
    name = report.get("host")
    if not isinstance(name, str) or len(name) > _MAX_TEXT:
        raise MalformedHost(f"host must be text of at most {_MAX_TEXT} characters")
    versions = report.get("versions")
    if not isinstance(versions, Mapping) or not all(
        isinstance(versions.get(key), str) for key in ("locust_ws", "locust", "python")
    ):
        raise MalformedHost("versions must map locust_ws, locust and python to text")
    numbers = {}
    for key in ("pid", "open_files_limit", "open_files_hard_limit", "planned_users", "connections_peak"):
        value = report.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < -1:
            raise MalformedHost(f"{key} must be a whole number")
        numbers[key] = value
    ports = report.get("port_range")
    if ports is not None and not (
        isinstance(ports, list | tuple)
        and len(ports) == 2
        and all(isinstance(port, int) and not isinstance(port, bool) and 0 <= port <= 65535 for port in ports)
        and ports[0] <= ports[1]
    ):
        raise MalformedHost("port_range must be [first, last] ports or null")
    host: HostSummary = {
        "worker": label,
        "host": name,
        "pid": numbers["pid"],
        "open_files_limit": numbers["open_files_limit"],
        "open_files_hard_limit": numbers["open_files_hard_limit"],
        "port_range": None if ports is None else [int(ports[0]), int(ports[1])],
        "versions": {
            "locust_ws": versions["locust_ws"][:_MAX_TEXT],
            "locust": versions["locust"][:_MAX_TEXT],
            "python": versions["python"][:_MAX_TEXT],
        },
        "planned_users": numbers["planned_users"],
        "connections_peak": numbers["connections_peak"],
        "warnings": [],
    }
    host["warnings"] = host_warnings(host)
    return host
