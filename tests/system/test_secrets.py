"""Secrets never leave a run: a real headless Locust run sends a token in query strings, an
Authorization header and Socket.IO auth payloads, to servers that succeed, refuse, echo the token
back or redirect with it, and no output of the run (console, log file, CSV, HTML, JSON) holds it."""

from __future__ import annotations

import csv
import secrets
import subprocess
import sys

import pytest

from locust_ws.users.http import RealtimeHttpSession

from ..support.faulty_server import EchoingRefusalServer, FaultyServer
from ..support.locust_cluster import free_port
from ..support.paths import TEST_LOCUSTFILES

LOCUSTFILE = TEST_LOCUSTFILES / "secrets_run.py"


@pytest.fixture(scope="module")
def servers():
    faulty, echoing = FaultyServer().start(), EchoingRefusalServer().start()
    yield faulty, echoing
    faulty.stop()
    echoing.stop()


@pytest.fixture(scope="module")
def run(servers, demo_url, tmp_path_factory):
    """The token, the run's outputs by file name, and its failures as ``(name, error)``."""
    faulty, echoing = servers
    token = "sk-live-" + secrets.token_hex(12)
    out = tmp_path_factory.mktemp("secrets")
    env = {
        "SECRET_TOKEN": token,
        "DEMO_URL": demo_url,
        "FAULTY_URL": faulty.url,
        "SIO_ECHO_URL": echoing.url,
        "NOTHING_URL": f"ws://127.0.0.1:{free_port()}",
        "PATH": "/usr/bin:/bin",
    }
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless"]
    command += ["-u", "10", "-r", "10", "-t", "4s", "--csv", str(out / "run"), "--csv-full-history"]
    command += ["--html", str(out / "run.html"), "--ws-json", str(out / "ws.json")]
    command += ["--logfile", str(out / "locust.log")]
    # The in-process servers keep serving while this waits: subprocess is gevent's here.
    result = subprocess.run(command, capture_output=True, text=True, timeout=90, env=env, check=False)
    outputs = {path.name: path.read_text() for path in out.iterdir()}
    outputs["stdout"], outputs["stderr"] = result.stdout, result.stderr
    with (out / "run_failures.csv").open() as file:
        failures = [(row["Name"], row["Error"]) for row in csv.DictReader(file)]
    return token, outputs, failures


def test_no_output_of_the_run_contains_the_token(run):
    token, outputs, _ = run
    assert {"run_stats.csv", "run_failures.csv", "run.html", "ws.json", "locust.log"} <= set(outputs)
    assert "Traceback" not in outputs["stderr"]
    leaks = {name: text.count(token) for name, text in outputs.items() if token in text}
    assert leaks == {}


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("connect /rooms/vault", "handshake refused: HTTP 401 Unauthorized"),
        ("connect /echo", "connection refused (nothing listening?)"),
        ("close /close", "closed by server with code 4001: <redacted>"),
        ("connect /redirect", "Invalid redirect target 'http://127.0.0.1:"),
        ("connect /redirect", "/echo?<redacted>': scheme http is invalid"),
        ("connect /", "namespace / refused: invalid token <redacted>"),
        ("connect /", "namespace / refused: invalid token')"),
        ("connect /", "Max retries exceeded with url: /socket.io/?<redacted> (Caused by"),
        ("handler complain", "raised ValueError: did not expect {'leak': '<redacted>'}"),
        ("judged", "server echoed token <redacted>"),
        ("/missing", "404 Client Error: Not Found for url: /missing'"),
        ("/stats", "sent <redacted>"),
        ("/down", "Connection refused"),
    ],
)
def test_each_leaky_failure_happened_and_was_redacted(run, name, error):
    _, _, failures = run
    matching = [text for row, text in failures if row == name and error in text]
    assert matching, f"no {name!r} failure containing {error!r} in {failures}"


def test_request_names_hold_paths_only(run):
    _, outputs, _ = run
    names = [row["Name"] for row in csv.DictReader(outputs["run_stats.csv"].splitlines())]
    assert {"connect /echo", "connect /rooms/vault", "connect /", "echo", "/stats", "/missing"} <= set(names)
    assert all("?" not in name for name in names)


def test_http_rows_are_paths_and_chosen_names_are_scrubbed(environment, event_log, demo_http):
    token = "sk-live-" + secrets.token_hex(12)
    http = RealtimeHttpSession(base_url=demo_http, request_event=environment.events.request)
    http.get(f"/stats?token={token}")
    http.get("/stats", params={"token": token}, name=f"stats for {token}")
    http.get(f"/stats?token={token}", name="stats?token=mine")
    assert [event.name for event in event_log.events if event.exception is None] == [
        "/stats",
        "stats for <redacted>",
        "stats?<redacted>",
    ]
