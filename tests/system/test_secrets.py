"""Secrets never leave a run: a real headless Locust run at DEBUG sends a long and a 6-character
token in query strings, Authorization headers and Socket.IO auth payloads, to servers that succeed,
refuse, echo the token back or redirect with it, and no output of the run (console, log file, CSV,
HTML, JSON) holds either. A second run takes its tokens from ``--host``, which Locust itself shows:
its web UI pages and JSON endpoints, fetched while it runs, and its files and ``--json`` output
hold neither token."""

from __future__ import annotations

import csv
import json
import secrets
import string
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import gevent
import pytest
from locust import constant, task
from locust.env import Environment

from locust_ws import WebSocketUser
from locust_ws.redaction import display_url
from locust_ws.reports.hosts import install_host_scrubbing
from locust_ws.users.http import RealtimeHttpSession

from ..support.faulty_server import EchoingRefusalServer, FaultyServer
from ..support.locust_cluster import free_port
from ..support.paths import TEST_LOCUSTFILES

LOCUSTFILES = TEST_LOCUSTFILES
LOCUSTFILE = LOCUSTFILES / "secrets_run.py"
HOST_LOCUSTFILE = LOCUSTFILES / "secrets_host.py"
WEB_UI_PATHS = (
    "/",
    "/stats/report",
    "/stats/report?download=1",
    "/stats/requests",
    "/stats/failures/csv",
    "/stats/requests/csv",
    "/ws/stats",
)


def short_token() -> str:
    """Six random letters and digits, at least one of each: too short for the old length rule,
    and unlikely to occur by chance in a report."""
    alphabet = string.ascii_letters + string.digits
    while True:
        token = "".join(secrets.choice(alphabet) for _ in range(6))
        if any(c.isdigit() for c in token) and any(c.isalpha() for c in token):
            return token


def leaks(outputs: dict[str, str], *tokens: str) -> dict[str, int]:
    return {
        name: sum(text.count(t) for t in tokens)
        for name, text in outputs.items()
        if any(t in text for t in tokens)
    }


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
    token, short = "sk-live-" + secrets.token_hex(12), short_token()
    out = tmp_path_factory.mktemp("secrets")
    env = {
        "SECRET_TOKEN": token,
        "SHORT_TOKEN": short,
        "DEMO_URL": demo_url,
        "FAULTY_URL": faulty.url,
        "SIO_ECHO_URL": echoing.url,
        "NOTHING_URL": f"ws://127.0.0.1:{free_port()}",
        "PATH": "/usr/bin:/bin",
    }
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless"]
    command += ["-u", "14", "-r", "14", "-t", "4s", "--csv", str(out / "run"), "--csv-full-history"]
    command += ["--html", str(out / "run.html"), "--ws-json", str(out / "ws.json")]
    command += ["--logfile", str(out / "locust.log"), "--loglevel", "DEBUG"]
    # The in-process servers keep serving while this waits: subprocess is gevent's here.
    result = subprocess.run(command, capture_output=True, text=True, timeout=90, env=env, check=False)
    outputs = {path.name: path.read_text() for path in out.iterdir()}
    outputs["stdout"], outputs["stderr"] = result.stdout, result.stderr
    with (out / "run_failures.csv").open() as file:
        failures = [(row["Name"], row["Error"]) for row in csv.DictReader(file)]
    return (token, short), outputs, failures


def test_no_output_of_the_run_contains_either_token(run):
    tokens, outputs, _ = run
    assert {"run_stats.csv", "run_failures.csv", "run.html", "ws.json", "locust.log"} <= set(outputs)
    assert "Traceback" not in outputs["stderr"]
    assert '"GET /stats?<redacted> HTTP/1.1" 200' in outputs["locust.log"]  # urllib3 at DEBUG
    assert leaks(outputs, *tokens) == {}


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("connect /rooms/vault", "handshake refused: HTTP 401 Unauthorized"),
        ("connect /echo", "connection refused (nothing listening?)"),
        ("close /close", "closed by server with code 4001: <redacted>"),
        ("connect /redirect", "Invalid redirect target 'http://127.0.0.1:"),
        ("connect /redirect", "/echo?<redacted>': scheme http is invalid"),
        ("namespace /", "namespace / refused: invalid token <redacted>"),
        ("namespace /", "namespace / refused: invalid token')"),
        ("connect /socket.io/", "Max retries exceeded with url: /socket.io/?<redacted> (Caused by"),
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


def test_failures_quoting_the_short_token_were_redacted_too(run):
    (_, short), _, failures = run
    # The short-token twins fail exactly like the long-token users; a missed short token would be
    # a failure text of its own (and a leak the test above finds).
    assert ("judged", "CatchResponseError('server echoed token <redacted>')") in failures
    assert ("/stats", "CatchResponseError('token <redacted> refused')") in failures
    assert not [text for _, text in failures if short in text]


def test_request_names_hold_paths_only(run):
    _, outputs, _ = run
    names = [row["Name"] for row in csv.DictReader(outputs["run_stats.csv"].splitlines())]
    assert {
        "connect /echo",
        "connect /rooms/vault",
        "connect /socket.io/",
        "namespace /",
        "echo",
        "/stats",
        "/missing",
    } <= set(names)
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


@pytest.fixture(scope="module")
def host_run(demo_url, tmp_path_factory):
    """A run with the web UI (``--autostart``) whose ``--host`` carries a 6-character token and a
    long one: the web UI's pages fetched while it runs (with the download's headers), then its
    files and its ``--json`` stdout, by name. Returns the tokens, the host and the outputs."""
    short, long_token = short_token(), "sk-live-" + secrets.token_hex(12)
    host = f"{demo_url}/echo?room=lobby&token={short}&api_key={long_token}"
    out = tmp_path_factory.mktemp("host_secrets")
    port = free_port()
    command = [sys.executable, "-m", "locust", "-f", str(HOST_LOCUSTFILE), "--host", host]
    command += ["--web-host", "127.0.0.1", "--web-port", str(port), "--autostart", "--autoquit", "0"]
    command += ["-u", "2", "-r", "2", "-t", "5s", "--json", "--csv", str(out / "run")]
    command += ["--html", str(out / "run.html"), "--ws-json", str(out / "ws.json")]
    command += ["--logfile", str(out / "locust.log")]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={"PATH": "/usr/bin:/bin"}
    )
    outputs: dict[str, str] = {}
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:  # until the run has requests to show
            try:
                stats = json.loads(fetch(f"{base}/stats/requests")[1])["stats"]
                if any(row["num_requests"] for row in stats):
                    break
            except OSError:
                assert process.poll() is None, "locust exited before its web UI came up"
            assert time.monotonic() < deadline, "the run showed no requests in 30 s"
            time.sleep(0.2)
        for path in WEB_UI_PATHS:
            headers, outputs[f"GET {path}"] = fetch(base + path)
            outputs[f"headers of GET {path}"] = headers
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    outputs.update({path.name: path.read_text() for path in out.iterdir()})
    outputs["stdout"], outputs["stderr"] = stdout, stderr
    return (short, long_token), host, outputs


def fetch(url: str) -> tuple[str, str]:
    """The response's headers and body."""
    with urllib.request.urlopen(url, timeout=10) as response:
        return str(response.headers), response.read().decode()


def test_locusts_own_pages_and_files_never_show_the_hosts_tokens(host_run):
    tokens, _, outputs = host_run
    assert {"run.html", "ws.json", "run_stats.csv", "locust.log", "GET /"} <= set(outputs)
    assert '"name": "echo"' in outputs["stdout"]  # --json printed the stats
    assert "Traceback" not in outputs["stderr"]
    assert leaks(outputs, *tokens) == {}


def test_the_host_is_shown_with_its_secrets_replaced(host_run):
    _, host, outputs = host_run
    shown = display_url(host).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    assert "token=\\u003credacted\\u003e" in shown and "room=lobby" in shown
    for page in ("GET /", "GET /stats/report", "run.html"):
        assert shown in outputs[page], page
    assert f"{display_url(host)}.html" in outputs["headers of GET /stats/report?download=1"]


class ConnectingUser(WebSocketUser):
    abstract = True
    path = ""
    wait_time = constant(0.1)

    @task
    def echo(self):
        self.client.request({"op": "echo"}, name="echo")


def test_starting_from_the_web_ui_with_the_shown_host_connects_with_the_real_one(demo_url, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["locust"])  # the web UI parses the command line for its form
    host = f"{demo_url}/echo?token={short_token()}"
    environment = Environment(user_classes=[ConnectingUser], host=host)
    environment.create_local_runner()
    port = free_port()
    web_ui = environment.create_web_ui("127.0.0.1", port)
    install_host_scrubbing(web_ui, environment)
    try:
        form = {"user_count": "1", "spawn_rate": "1", "host": display_url(host)}
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/swarm", data=urllib.parse.urlencode(form).encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.loads(response.read())
        assert answer["success"] and "redacted" in answer["host"]  # shown, not the real one
        assert environment.host == host
        with gevent.Timeout(10):
            while not environment.stats.get("echo", "WS").num_requests:
                gevent.sleep(0.05)
    finally:
        environment.runner.quit()
        web_ui.stop()
