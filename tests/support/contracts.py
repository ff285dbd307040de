"""``contract``: a check on another library's internal that, when it fails, says which library
broke which internal and which module of locust-ws relies on it (tests/*/test_dependency_contracts.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from importlib.metadata import version

import pytest


@contextlib.contextmanager
def contract(distribution: str, internal: str, used_by: str) -> Iterator[None]:
    """Turn any failure inside into one naming ``distribution`` (its installed version),
    ``internal`` and ``used_by`` (modules under locust_ws/). Modules of locust-ws are imported
    inside the block: one that reads an internal at import time would otherwise fail the
    collection of the whole file instead of its own check."""
    try:
        yield
    except Exception as error:  # noqa: BLE001 - AttributeError, TypeError, AssertionError alike
        installed = version(distribution)
        pytest.fail(
            f"{distribution} {installed} broke a contract of locust-ws: {internal}, used by "
            f"locust_ws/{used_by}, no longer behaves as that module expects "
            f"({type(error).__name__}: {error}). Adapt the module, or cap {distribution} below "
            f"{installed} in setup.cfg.",
            pytrace=False,
        )
