"""Connections from chosen source addresses, so one generator can hold more than a port range of
connections to one server: WebSockets (ws:// and wss://), Socket.IO (WebSocket and polling) and
``self.http`` leave from their address, and port exhaustion is named as such. On loopback, where
every 127.x.y.z is local; the demo server counts its accepted TCP connections per client address
(``tcp_connections_by_address`` in ``/stats``)."""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pytest
import requests

from locust_ws import ConnectError, PortsExhausted, SocketIOSession, WebSocketSession
from locust_ws.users.http import RealtimeHttpSession

from ..support.demo import fetch_json
from ..support.paths import ROOT
from .test_tls import pki, tls_url  # noqa: F401 - the fixtures


def connections_by_address(demo_http: str) -> Counter[str]:
    return Counter(fetch_json(f"{demo_http}/stats")["tcp_connections_by_address"])


def new_connections(before: Counter[str], demo_http: str) -> dict[str, int]:
    """The connections since ``before``, except those from 127.0.0.1: the ``/stats`` fetches."""
    added = connections_by_address(demo_http) - before
    del added["127.0.0.1"]
    return dict(added)


def test_websocket_connections_leave_from_their_source_address(environment, demo_http):
    before = connections_by_address(demo_http)
    sessions = [
        WebSocketSession(
            environment.host, environment.events.request, ping_interval=0, source_address=address
        )
        for address in ("127.0.0.2", "127.0.0.3", "127.0.0.3")
    ]
    try:
        for session in sessions:
            session.connect("/echo")
            assert session.request({"op": "echo"}).ok
    finally:
        for session in sessions:
            session.close()
    assert new_connections(before, demo_http) == {"127.0.0.2": 1, "127.0.0.3": 2}


def test_a_callable_source_address_is_asked_on_every_connect(environment, demo_http):
    addresses = iter(["127.0.0.4", "127.0.0.5"])
    session = WebSocketSession(
        environment.host, environment.events.request, ping_interval=0, source_address=lambda: next(addresses)
    )
    before = connections_by_address(demo_http)
    for _ in range(2):
        session.connect("/echo")
        session.close()
    assert new_connections(before, demo_http) == {"127.0.0.4": 1, "127.0.0.5": 1}


def test_wss_connections_leave_from_their_source_address(tls_url, pki, environment):  # noqa: F811
    session = WebSocketSession(
        tls_url,
        environment.events.request,
        ping_interval=0,
        sslopt={"ca_certs": str(pki / "ca.pem")},
        source_address="127.0.0.6",
    )
    http = tls_url.replace("wss://", "https://")
    before = Counter(_fetch_tls_stats(http, pki)["tcp_connections_by_address"])
    session.connect("/echo")
    try:
        assert session.request({"op": "echo"}).ok
    finally:
        session.close()
    after = Counter(_fetch_tls_stats(http, pki)["tcp_connections_by_address"])
    assert dict(after - before) == {"127.0.0.6": 1, "127.0.0.1": 1}  # ours, and the /stats fetch


def _fetch_tls_stats(http_url: str, ca_dir: Path) -> dict:
    return requests.get(f"{http_url}/stats", verify=str(ca_dir / "ca.pem"), timeout=5).json()


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_socketio_connections_leave_from_their_source_address(environment, demo_http, transport):
    session = SocketIOSession(environment.host, environment.events.request, source_address="127.0.0.7")
    before = connections_by_address(demo_http)
    session.connect(transports=[transport])
    try:
        assert session.call("echo", 1).data == 1
    finally:
        session.close()
    added = new_connections(before, demo_http)
    assert set(added) == {"127.0.0.7"} and added["127.0.0.7"] >= 1


def test_http_requests_leave_from_their_source_address(environment, demo_http):
    http = RealtimeHttpSession(demo_http, environment.events.request)
    http.bind_source("127.0.0.8")
    before = connections_by_address(demo_http)
    try:
        assert http.post("/login", json={"username": "from-8"}).status_code == 200
    finally:
        http.close()
    assert new_connections(before, demo_http) == {"127.0.0.8": 1}


@pytest.mark.parametrize("transport", [None, "websocket", "polling"])
def test_an_address_that_is_not_local_is_a_clear_connect_failure(environment, event_log, transport):
    """The same failure for a WebSocket and Socket.IO over either transport: ``bind`` refuses
    192.0.2.1 with ``EADDRNOTAVAIL`` before a packet leaves."""
    if transport is None:
        session = WebSocketSession(
            environment.host, environment.events.request, ping_interval=0, source_address="192.0.2.1"
        )
        connect = functools.partial(session.connect, "/echo")
    else:
        sio = SocketIOSession(environment.host, environment.events.request, source_address="192.0.2.1")
        connect = functools.partial(sio.connect, transports=[transport])
    with pytest.raises(ConnectError, match=r"cannot connect from source address 192\.0\.2\.1"):
        connect()
    failures = [str(event.exception) for event in event_log.failures()]
    assert failures and all("is it an address of this host" in failure for failure in failures)


def test_http_from_an_address_that_is_not_local_is_the_same_connect_failure(
    environment, event_log, demo_http
):
    http = RealtimeHttpSession(demo_http, environment.events.request)
    http.bind_source("192.0.2.1")
    try:
        http.post("/login", json={"username": "from-nowhere"})
    finally:
        http.close()
    [failure] = event_log.failures("/login")
    assert type(failure.exception) is ConnectError
    assert str(failure.exception).startswith("cannot connect from source address 192.0.2.1")


PORT_EXHAUSTION = textwrap.dedent(
    """
    import json, subprocess
    from locust.env import Environment
    from locust_ws import ConnectError, SocketIOSession, WebSocketSession
    from locust_ws.demo import start_demo_process
    from locust_ws.users.http import RealtimeHttpSession

    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    process, url = start_demo_process()  # its port comes from the full range, before it shrinks
    with open("/proc/sys/net/ipv4/ip_local_port_range", "w") as ports:
        ports.write("40000 40003")
    environment = Environment()
    outcomes = []
    for address in ["127.0.0.2"] * 5 + ["127.0.0.3"]:
        session = WebSocketSession(url, environment.events.request, ping_interval=0, source_address=address)
        try:
            session.connect("/echo")
            outcomes.append([address, "open"])
        except ConnectError as error:
            outcomes.append([address, type(error).__name__ + ": " + str(error)])
    for transport in ["websocket", "polling"]:  # 127.0.0.2's 4 ports are taken: none for Socket.IO
        sio = SocketIOSession(url, environment.events.request, source_address="127.0.0.2")
        try:
            sio.connect(transports=[transport])
            outcomes.append([transport, "open"])
        except ConnectError as error:
            outcomes.append([transport, type(error).__name__ + ": " + str(error)])
    http_failures = []
    environment.events.request.add_listener(lambda exception=None, **_: http_failures.append(exception))
    http = RealtimeHttpSession(url.replace("ws://", "http://"), environment.events.request)
    http.bind_source("127.0.0.2")
    http.get("/stats")
    outcomes.append(["http", type(http_failures[-1]).__name__ + ": " + str(http_failures[-1])])
    print(json.dumps(outcomes))
    process.kill()
    """
)


def test_port_exhaustion_names_the_source_address_the_port_range_and_the_remedy():
    """In a network namespace of its own (``unshare -n``, root only), whose port range is its own
    too: 4 ports, so a fifth connection from one address finds none, and another address has 4 more."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.skip("needs unshare and ip (util-linux, iproute2)")
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"cannot create a network namespace here: {probe.stderr.decode().strip()}")
    result = subprocess.run(
        ["unshare", "-n", sys.executable, "-c", PORT_EXHAUSTION],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    outcomes = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(outcomes) == 9
    assert outcomes[:4] == [["127.0.0.2", "open"]] * 4
    _, failure = outcomes[4]
    assert failure.startswith(f"{PortsExhausted.__name__}: no free local port on source address 127.0.0.2")
    assert "ip_local_port_range 40000-40003 (4 ports)" in failure
    assert "add source addresses" in failure and "--ws-source-addresses" in failure
    assert outcomes[5] == ["127.0.0.3", "open"]  # another address: a port range of its own
    for transport, sio_failure in outcomes[6:]:  # Socket.IO over either transport, self.http: the same
        assert sio_failure == failure, transport  # and self.http too
