"""Shared fixtures: a real demo server on a free loopback port, and a recorder of Locust events."""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass

import pytest
from locust.env import Environment

from locust_ws.demo import start_demo_process, stop_demo_process


@pytest.fixture(scope="session")
def demo_url() -> str:
    """ws://127.0.0.1:PORT of a demo server running as a child process for the whole session."""
    process, url = start_demo_process()
    yield url
    stop_demo_process(process)


@pytest.fixture
def demo_http(demo_url: str) -> str:
    return demo_url.replace("ws://", "http://")


def fetch_json(url: str, method: str = "GET", body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None)
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


@pytest.fixture
def login(demo_http: str):
    """Returns a fresh token from the demo server's POST /login."""

    def get_token(username: str = "tester") -> str:
        return fetch_json(f"{demo_http}/login", "POST", {"username": username})["token"]

    return get_token


@dataclass
class Event:
    request_type: str
    name: str
    response_time: float | None
    response_length: int
    exception: BaseException | None


class EventLog:
    """Every Locust ``request`` event fired in an environment, for assertions."""

    def __init__(self, environment: Environment) -> None:
        self.events: list[Event] = []
        environment.events.request.add_listener(self._record)

    def _record(self, request_type, name, response_time, response_length, exception=None, **_kwargs):
        self.events.append(Event(request_type, name, response_time, response_length, exception))

    def named(self, name: str) -> list[Event]:
        return [event for event in self.events if event.name == name]

    def successes(self, name: str) -> list[Event]:
        return [event for event in self.named(name) if event.exception is None]

    def failures(self, name: str | None = None) -> list[Event]:
        return [e for e in self.events if e.exception is not None and (name is None or e.name == name)]


@pytest.fixture
def environment(demo_url: str) -> Environment:
    return Environment(host=demo_url)


@pytest.fixture
def event_log(environment: Environment) -> EventLog:
    return EventLog(environment)
