"""Source addresses: more than 64k connections from one load generator.

A TCP connection is told apart by (source address, source port, server address, server port), and
the kernel hands out source ports from ``net.ipv4.ip_local_port_range`` (32768-60999 by default:
28,232 ports). From one source address to one server address and port, that is the most
connections a generator can hold, however many users it runs. Each extra local address (a second
IP on the NIC, or any 127.x.y.z on loopback) adds as many again, so users connect from a list of
addresses, split round-robin by their ``user_index``.

Binding a source address usually reserves a port for it at ``bind`` time, for every destination at
once. ``IP_BIND_ADDRESS_NO_PORT`` (Linux 4.2+) leaves the choice to ``connect``, which can then
reuse a port towards another server: without it, bound sockets would run out sooner than unbound
ones.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import ipaddress
import socket
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from requests.adapters import HTTPAdapter

from ..errors import ConnectError, PortsExhausted

PORT_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
IP_BIND_ADDRESS_NO_PORT = getattr(socket, "IP_BIND_ADDRESS_NO_PORT", 24)
"""24 on Linux; Python only names it from 3.12 on."""
PORT_EXHAUSTION_ERRNOS = frozenset({errno.EADDRNOTAVAIL, errno.EADDRINUSE})
"""What ``connect`` (or a port-reserving ``bind``) raises when no local port is free."""


class SourceAddressError(OSError):
    """A source address that cannot be bound (not an address of this host, wrong family)."""


@functools.lru_cache(maxsize=64)
def _parse(spec: tuple[str, ...]) -> tuple[str, ...]:
    addresses: list[str] = []
    for item in spec:
        item = item.strip()
        if not item:
            continue
        try:
            if "/" in item:
                network = ipaddress.ip_network(item, strict=False)
                addresses.extend(str(address) for address in network.hosts())
            else:
                addresses.append(str(ipaddress.ip_address(item)))
        except ValueError as error:
            raise ValueError(f"source address {item!r}: {error}") from None
    return tuple(dict.fromkeys(addresses))


def parse_source_addresses(spec: str | Sequence[str] | None) -> tuple[str, ...]:
    """The addresses of ``spec``: IP addresses and networks (``127.0.0.2/31``: its host
    addresses, as ``ipaddress``'s ``hosts()``; a /31 or /32 is all of it), as a list or one string
    separated by commas or spaces; duplicates dropped, order kept. ``ValueError`` names a bad item."""
    if not spec:
        return ()
    items = spec.replace(",", " ").split() if isinstance(spec, str) else spec
    return _parse(tuple(items))


def pick_source_address(addresses: Sequence[str], user_index: int) -> str | None:
    """The address of the user with ``user_index``: round-robin, so N users over A addresses put
    ``N // A`` or ``N // A + 1`` on each (``None``: no addresses, the kernel chooses)."""
    return addresses[user_index % len(addresses)] if addresses else None


def local_port_range(path: Path = PORT_RANGE_FILE) -> tuple[int, int] | None:
    """The kernel's ephemeral port range (first, last), or ``None`` where it cannot be read."""
    try:
        first, last = (int(number) for number in path.read_text().split())
    except (OSError, ValueError):
        return None
    return first, last


def bind_source(sock: socket.socket, address: str) -> None:
    """Bind ``sock`` to ``address`` before it connects, the port left to ``connect``. A port
    shortage raises the ``OSError`` as it is (the caller names it); an address that cannot be
    bound is a ``SourceAddressError``."""
    if sock.family == socket.AF_INET:
        with contextlib.suppress(OSError):  # not Linux: bind reserves the port, as it always did
            sock.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
    try:
        sock.bind((address, 0))
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise
        raise SourceAddressError(
            f"cannot connect from source address {address}: {error.strerror or error} "
            "(is it an address of this host, of the server's address family?)"
        ) from None


def source_failure(error: BaseException, source_address: str | None) -> ConnectError | None:
    """The failure naming why a connection from ``source_address`` (``None``: the kernel's
    choice) could not be made, or ``None`` when ``error`` is not about local addresses or ports.

    The ``OSError`` may sit deep in ``error`` (requests wraps urllib3's ``NewConnectionError``,
    which wraps it), and ``EADDRNOTAVAIL`` means either an address that is not this host's (at
    ``bind``) or no free port (at ``connect``): a probe ``bind``, which takes no port, tells them
    apart, so WebSocket, Engine.IO polling and ``self.http`` all report the same failure kind."""
    if isinstance(error, SourceAddressError):
        return ConnectError(str(error))
    os_error = _os_error_in(error)
    if os_error is None or os_error.errno not in PORT_EXHAUSTION_ERRNOS:
        return None
    if source_address and os_error.errno == errno.EADDRNOTAVAIL:
        family = socket.AF_INET6 if ":" in source_address else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            try:
                bind_source(probe, source_address)
            except SourceAddressError as not_local:
                return ConnectError(str(not_local))
    return PortsExhausted(source_address, local_port_range())


def _os_error_in(error: BaseException | None) -> OSError | None:
    """The first ``OSError`` with an ``errno`` in ``error``'s chain: its first argument (requests'
    wrapping), ``reason`` (urllib3's ``MaxRetryError``), cause and context."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno is not None:
            return error
        inner = next(
            (
                candidate
                for candidate in (
                    error.args[0] if error.args else None,
                    getattr(error, "reason", None),
                    error.__cause__,
                    error.__context__,
                )
                if isinstance(candidate, BaseException) and id(candidate) not in seen
            ),
            None,
        )
        error = inner
    return None


class SourceAddressAdapter(HTTPAdapter):
    """A requests adapter whose connections leave from ``address`` (Engine.IO polling,
    ``self.http``)."""

    def __init__(self, address: str, **kwargs: Any) -> None:
        self.source_address = (address, 0)  # before HTTPAdapter's __init__ builds the pool manager
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = self.source_address
        super().init_poolmanager(*args, **kwargs)
