"""Our metrics as OpenTelemetry instruments (``reports.otel``), read back through the SDK's in-memory
reader after real sessions against the demo server: the values agree with what the sessions did and
with the collector's counts of the same events, attributes carry redacted names only, and the
number of series stays bounded."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import sys

import pytest
from locust.env import Environment
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from locust_ws import ConnectError, WebSocketSession, attach_metrics, attach_otel
from locust_ws.metrics.collector import OVERFLOW_NAME

from ..support.locust_cluster import free_port
from ..support.paths import ROOT
from ..support.waiting import wait_until

SECRET = "s3cr3t-token-value"


def points(reader: InMemoryMetricReader) -> dict[str, list]:
    """Instrument name -> its data points, from one collection."""
    data = reader.get_metrics_data()
    return {
        metric.name: list(metric.data.data_points)
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
    }


def total(series: dict[str, list], name: str, **attributes: str) -> float:
    return sum(
        point.value
        for point in series.get(name, [])
        if all(point.attributes.get(key) == value for key, value in attributes.items())
    )


@pytest.fixture
def otel_environment(demo_url: str) -> tuple[Environment, InMemoryMetricReader]:
    reader = InMemoryMetricReader()
    environment = Environment(host=demo_url)
    attach_metrics(environment)
    attach_otel(environment, MeterProvider(metric_readers=[reader]).get_meter("test"))
    return environment, reader


def test_instruments_count_what_the_sessions_did_as_the_collector_does(otel_environment, demo_url):
    environment, reader = otel_environment
    session = WebSocketSession(demo_url, environment.events.request, ping_interval=0)
    session.connect("/echo", query={"token": SECRET})
    sent_bytes = sum(session.send({"n": number}, name="push it") for number in range(7))
    for number in range(5):
        assert session.request({"n": number}, name="echo").ok
    closing = WebSocketSession(demo_url, environment.events.request, ping_interval=0, backoff=None)
    closing.connect("/close?code=4001")
    with contextlib.suppress(ConnectError):
        WebSocketSession(demo_url, environment.events.request, ping_interval=0).connect("/nowhere")
    wait_until(lambda: not closing.connected)
    assert total(points(reader), "locust_ws.connections_open", request_type="WS") == 1
    session.close()
    series = points(reader)
    metrics = attach_metrics(environment)

    assert total(series, "locust_ws.handshakes", request_type="WS") == metrics.handshakes == 3
    assert total(series, "locust_ws.handshake_failures") == metrics.handshake_failures == 1
    assert total(series, "locust_ws.connections_open") == metrics.open_connections == 0
    assert total(series, "locust_ws.messages_sent") == metrics.messages_out == 12
    assert total(series, "locust_ws.payload_sent") == metrics.bytes_out > sent_bytes
    assert total(series, "locust_ws.messages_received") == metrics.messages_in >= 5
    assert total(series, "locust_ws.payload_received") == metrics.bytes_in
    assert total(series, "locust_ws.failures") == metrics.failures == 2
    failures = {
        (point.attributes["kind"], point.attributes["error_type"]) for point in series["locust_ws.failures"]
    }
    assert failures == {("connect", "HandshakeRejected"), ("close", "ConnectionClosed")}  # 404, 4001
    closed = {point.attributes["close_code"]: point.value for point in series["locust_ws.connections_closed"]}
    assert closed == {str(code): count for code, count in metrics.close_codes.items()}
    assert closed["4001"] == 1 and closed["1000"] == 1

    durations = {
        (point.attributes["kind"], point.attributes["name"]): point.count
        for point in series["locust_ws.duration"]
    }
    assert durations[("request", "echo")] == 5 == metrics.select("echo").histogram.count
    assert durations[("send", "push it")] == 7
    assert durations[("connect", "connect /echo")] == 1
    every_attribute = [
        str(value) for name in series for point in series[name] for value in point.attributes.values()
    ]
    assert every_attribute and not any(SECRET in value for value in every_attribute)


def test_names_beyond_the_cap_share_one_pooled_series(demo_url):
    reader = InMemoryMetricReader()
    environment = Environment(host=demo_url)
    otel = attach_otel(environment, MeterProvider(metric_readers=[reader]).get_meter("test"))[0]
    otel.max_names = 3
    session = WebSocketSession(demo_url, environment.events.request, ping_interval=0)
    session.connect("/echo")
    for number in range(10):
        session.send("x", name=f"user {number}")
    session.close()
    names = {
        point.attributes["name"]: point.count
        for point in points(reader)["locust_ws.duration"]
        if point.attributes["kind"] == "send"
    }
    # "connect /echo" took the first slot: two sends keep their names, eight share the pool
    assert names == {"user 0": 1, "user 1": 1, OVERFLOW_NAME: 8}


def run_locust_with(prelude: str, *options: str, env: dict[str, str] | None = None) -> str:
    """A one-second headless run of echo.py in a Python that first runs ``prelude``, with ``env``
    added to the environment; its output."""
    code = f"{prelude}\nimport sys\nfrom locust.main import main\nsys.exit(main())\n"
    locustfile = str(ROOT / "locustfiles" / "echo.py")
    result = subprocess.run(
        [sys.executable, "-c", code, "-f", locustfile, "--headless", "-u", "1", "-t", "1s", *options],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "Traceback" not in output
    return output


def test_other_exporters_get_our_instruments_through_locusts_own_provider():
    # console stands for otlp here: both are readers of the provider Locust builds for --otel
    exporters = {
        "OTEL_METRICS_EXPORTER": "console",
        "OTEL_TRACES_EXPORTER": "none",
        "OTEL_LOGS_EXPORTER": "none",
    }
    output = run_locust_with("", "--otel", env=exporters)
    assert '"name": "locust.client.duration"' in output  # Locust's own, on the same provider
    for name in ("locust_ws.duration", "locust_ws.messages_sent", "locust_ws.connections_open"):
        assert f'"name": "{name}"' in output, name


def test_a_run_without_otel_imports_nothing_of_opentelemetry():
    output = run_locust_with(
        "import atexit, sys\n"
        "atexit.register(lambda: print('otel modules:', [m for m in sys.modules if m.startswith('opentel')]))"
    )
    assert "otel modules: []" in output


@pytest.mark.parametrize("port", ["busy", "not-a-port"])
def test_a_prometheus_port_that_cannot_be_served_is_one_error_line(port, monkeypatch, caplog):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        monkeypatch.setenv("OTEL_METRICS_EXPORTER", "prometheus")
        monkeypatch.setenv("OTEL_EXPORTER_PROMETHEUS_HOST", "127.0.0.1")
        monkeypatch.setenv(
            "OTEL_EXPORTER_PROMETHEUS_PORT", str(taken.getsockname()[1]) if port == "busy" else port
        )
        assert attach_otel(Environment()) == []
    errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].startswith(
        "locust-ws: cannot serve Prometheus metrics on 127.0.0.1:"
    )


def test_otel_without_the_packages_is_one_error_line_and_the_run_goes_on():
    output = run_locust_with(
        # A finder that refuses every opentelemetry module: the packages as if never installed.
        "import sys\n"
        "class Missing:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'opentelemetry':\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}')\n"
        "sys.meta_path.insert(0, Missing())",
        "--otel",
    )
    ours = [line for line in output.splitlines() if "locust-ws: --otel needs" in line]
    assert len(ours) == 1 and "pip install 'locust-ws[otel]'" in ours[0]


def test_a_master_with_otel_and_no_host_is_refused_instead_of_hanging_in_its_fork():
    locustfile = str(ROOT / "locustfiles" / "echo.py")
    command = [sys.executable, "-m", "locust", "-f", locustfile, "--master", "--headless", "--otel"]
    command += ["--master-bind-port", str(free_port()), "--expect-workers", "1", "-t", "1s"]
    environment = {
        **os.environ,
        **dict.fromkeys(("OTEL_TRACES_EXPORTER", "OTEL_LOGS_EXPORTER"), "none"),
        "OTEL_METRICS_EXPORTER": "prometheus",
    }
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, env=environment, check=False)
    assert result.returncode == 2, result.stderr[-3000:]
    assert "a master with --otel cannot start the demo server" in result.stderr
    assert "Traceback" not in result.stderr
