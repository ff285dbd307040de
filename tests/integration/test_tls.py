"""wss:// against the demo server serving TLS with certificates made by trustme: verification on by
default, a custom CA bundle, opting out, and client certificates (mutual TLS)."""

from __future__ import annotations

import ssl

import pytest
import trustme

from locust_ws import ConnectError, WebSocketSession
from locust_ws.demo import start_demo_process, stop_demo_process


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A CA, a server certificate for 127.0.0.1 and a client certificate, as PEM files."""
    directory = tmp_path_factory.mktemp("pki")
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(directory / "ca.pem"))
    ca.issue_cert("127.0.0.1", "localhost").private_key_and_cert_chain_pem.write_to_path(
        str(directory / "server.pem")
    )
    client = ca.issue_cert("load-tester@example.test")
    client.cert_chain_pems[0].write_to_path(str(directory / "client.pem"))
    client.private_key_pem.write_to_path(str(directory / "client.key"))
    return directory


@pytest.fixture(scope="module")
def tls_url(pki):
    process, url = start_demo_process(["--certfile", str(pki / "server.pem")])
    yield url
    stop_demo_process(process)


@pytest.fixture(scope="module")
def mutual_tls_url(pki):
    args = ["--certfile", str(pki / "server.pem"), "--client-ca", str(pki / "ca.pem")]
    process, url = start_demo_process(args)
    yield url
    stop_demo_process(process)


def session_for(url: str, environment, **sslopt) -> WebSocketSession:
    return WebSocketSession(url, environment.events.request, ping_interval=0, sslopt=sslopt)


def test_tls_demo_server_reports_a_wss_url(tls_url):
    assert tls_url.startswith("wss://127.0.0.1:")


def test_certificates_are_verified_by_default(tls_url, environment, event_log):
    session = session_for(tls_url, environment)
    with pytest.raises(ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        session.connect("/echo")
    [event] = event_log.failures("connect /echo")
    assert "certificate verify failed" in str(event.exception).lower()


def test_a_custom_ca_bundle_is_trusted(tls_url, environment, pki):
    session = session_for(tls_url, environment, ca_certs=str(pki / "ca.pem"))
    session.connect("/echo")
    try:
        assert session.request({"over": "tls"}).data["over"] == "tls"
    finally:
        session.close()


def test_insecure_skips_verification(tls_url, environment):
    session = session_for(tls_url, environment, cert_reqs=ssl.CERT_NONE, check_hostname=False)
    session.connect("/echo")
    try:
        assert session.connected
    finally:
        session.close()


def test_client_certificate_is_presented_for_mutual_tls(mutual_tls_url, environment, pki):
    without = session_for(mutual_tls_url, environment, ca_certs=str(pki / "ca.pem"))
    with pytest.raises(ConnectError):
        without.connect("/echo")
    without.close()
    with_cert = session_for(
        mutual_tls_url,
        environment,
        ca_certs=str(pki / "ca.pem"),
        certfile=str(pki / "client.pem"),
        keyfile=str(pki / "client.key"),
    )
    with_cert.connect("/echo")
    try:
        assert with_cert.request({"mutual": True}).ok
    finally:
        with_cert.close()


def test_tls_to_a_plain_port_is_a_clear_failure(demo_url, environment, event_log):
    session = session_for(demo_url.replace("ws://", "wss://"), environment)
    with pytest.raises(ConnectError, match="handshake failed"):
        session.connect("/echo")


def test_plain_to_a_tls_port_is_a_clear_failure(tls_url, environment, event_log):
    session = WebSocketSession(
        tls_url.replace("wss://", "ws://"), environment.events.request, ping_interval=0, connect_timeout=2
    )
    with pytest.raises(ConnectError):
        session.connect("/echo")
    [event] = event_log.failures("connect /echo")
    assert event.response_time < 3000


def test_user_class_tls_options_reach_the_connection_and_the_http_client(mutual_tls_url, pki):
    from locust.env import Environment

    from locust_ws import WebSocketUser

    class MutualTlsUser(WebSocketUser):
        host = mutual_tls_url
        ca_certs = str(pki / "ca.pem")
        client_cert = (str(pki / "client.pem"), str(pki / "client.key"))

    user = MutualTlsUser(Environment())
    user.client.connect("/echo")
    try:
        assert user.client.request({"user": "tls"}).ok
        response = user.http.post("/login", json={"username": "tls"})
        assert response.status_code == 200, response.error
        assert response.json()["token"]
    finally:
        user.client.close()
        user.http.close()


def test_compression_is_negotiated_over_tls_too(tls_url, environment, pki):
    """wss:// takes websocket-client's handshake: our offer rides in its headers and the answer is
    checked the same way."""
    session = session_for(tls_url, environment, ca_certs=str(pki / "ca.pem"))
    session.connect("/echo", compression={"client_max_window_bits": 10})
    try:
        assert session.extensions == "permessage-deflate; client_max_window_bits=10"
        assert session.request({"over": "tls", "text": "compressed " * 20}).data["over"] == "tls"
    finally:
        session.close()
