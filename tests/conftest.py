"""Shared fixtures: a real demo server on a free loopback port, and a recorder of Locust events.

Also marks every test with the layer its directory names (``unit``, ``integration`` or ``system``),
so that ``pytest -m "not system"`` selects by layer; helpers live in ``tests/support``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from locust.env import Environment

from locust_ws.demo import start_demo_process, stop_demo_process

from .support.demo import fetch_json
from .support.events import EventLog

TESTS = Path(__file__).resolve().parent
LAYERS = ("unit", "integration", "system")
"""The directories under tests/ that hold tests, each its pytest marker (registered in pyproject.toml)."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if not item.path.is_relative_to(TESTS):
            continue
        layer = item.path.relative_to(TESTS).parts[0]
        if layer not in LAYERS:
            raise pytest.UsageError(
                f"{item.path}: a test belongs in tests/unit, tests/integration or tests/system"
            )
        item.add_marker(layer)


@pytest.fixture(scope="session")
def demo_url() -> Iterator[str]:
    """ws://127.0.0.1:PORT of a demo server running as a child process for the whole session."""
    process, url = start_demo_process()
    yield url
    stop_demo_process(process)


@pytest.fixture
def demo_http(demo_url: str) -> str:
    return demo_url.replace("ws://", "http://")


@pytest.fixture
def login(demo_http: str) -> Callable[..., str]:
    """Returns a fresh token from the demo server's POST /login."""

    def get_token(username: str = "tester") -> str:
        return fetch_json(f"{demo_http}/login", "POST", {"username": username})["token"]

    return get_token


@pytest.fixture
def environment(demo_url: str) -> Environment:
    return Environment(host=demo_url)


@pytest.fixture
def event_log(environment: Environment) -> EventLog:
    return EventLog(environment)
