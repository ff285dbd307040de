"""Staggered connects: the cluster-wide connect-rate cap and the first-connect jitter.

Locust starts users in one-second bursts of ``--spawn-rate``, so every user of a burst opens its
socket in the same instant: a thundering herd of handshakes. Two Locust options, also in the web
UI's start form, spread them out:

- ``--ws-connect-rate R``: at most R new connections per second across the whole cluster. Each
  worker paces its own handshakes at ``R / workers`` (the master tells it how many workers there
  are); the cap applies to every handshake, first connects and reconnects alike.
- ``--ws-connect-jitter S``: each user waits a random 0..S seconds before its first connect.

``ConnectGate`` is what a user hands its sessions as ``connect_gate``: the session calls it before
every handshake and it sleeps as long as the pacing asks, in the greenlet that is about to connect.
"""

from __future__ import annotations

import logging
import math
import random
import time
import weakref

import gevent
from gevent.lock import Semaphore
from locust.env import Environment

from ..cluster.user_index import user_indexes
from .pacing import ConnectPacer

logger = logging.getLogger(__name__)

_pacers: weakref.WeakKeyDictionary[Environment, tuple[ConnectPacer, Semaphore]] = weakref.WeakKeyDictionary()
_reported_bad_values: set[tuple[str, str]] = set()


def connect_option(environment: Environment, name: str) -> float:
    """The value of ``--ws-connect-rate`` / ``--ws-connect-jitter`` (by ``dest``) for this run: 0
    when unset. A value the web UI form let through but that is no number >= 0 is logged once
    and treated as 0, so a typo never stalls the users."""
    value = getattr(environment.parsed_options, name, 0.0)
    try:
        number = float(value or 0.0)
    except (TypeError, ValueError):
        number = math.nan
    if math.isfinite(number) and number >= 0:
        return number
    if (name, repr(value)) not in _reported_bad_values:
        _reported_bad_values.add((name, repr(value)))
        option = "--" + name.replace("_", "-")
        logger.error("%s must be a number >= 0, got %r: %s is off", option, value, option)
    return 0.0


class ConnectGate:
    """One user's pacing, called by its sessions before every handshake: the first call waits the
    user's random first-connect jitter, then every call waits its turn in this process's share of
    the cluster-wide connect-rate cap."""

    def __init__(self, environment: Environment) -> None:
        self.environment = environment
        self._first = True

    def __call__(self) -> None:
        if self._first:
            self._first = False
            jitter = connect_option(self.environment, "ws_connect_jitter")
            if jitter > 0:
                gevent.sleep(random.uniform(0.0, jitter))
        pacer, single_file = _pacer(self.environment)
        if pacer.rate == 0:
            return
        with single_file:  # one handshake at a time, each a full interval after the previous start
            while (wait := pacer.wait_time(time.monotonic())) > 0:
                gevent.sleep(wait)
            pacer.started(time.monotonic())


def _pacer(environment: Environment) -> tuple[ConnectPacer, Semaphore]:
    """This process's pacer, kept at its share of the cap (which changes with the web UI form and
    with the number of workers), and the lock its handshakes queue on."""
    entry = _pacers.get(environment)
    if entry is None:
        entry = _pacers[environment] = (ConnectPacer(), Semaphore())
    share = connect_option(environment, "ws_connect_rate") / user_indexes(environment.runner).workers
    entry[0].rate = share
    return entry
