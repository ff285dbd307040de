"""The lean opening handshake: the upgrade request we write and the response checks (RFC 6455 4.1),
pure (the same handshake against the demo server: tests/integration/test_handshake.py)."""

from __future__ import annotations

import pytest

from locust_ws.protocol.handshake import (
    HandshakeError,
    HandshakeResponse,
    accept_for,
    check_upgrade,
    new_key,
    overrides_reserved,
    parse_response,
    upgrade_request,
)

KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455 section 1.3


def accepted(key: str = KEY, **headers: str) -> HandshakeResponse:
    base = {"upgrade": "websocket", "connection": "Upgrade", "sec-websocket-accept": accept_for(key)}
    return HandshakeResponse(101, "Switching Protocols", {**base, **headers})


def test_accept_value_is_the_rfc_example():
    assert accept_for(KEY) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    assert len({new_key() for _ in range(100)}) == 100


def test_request_carries_the_upgrade_headers_and_the_callers():
    request = upgrade_request(
        "/chat?x=1", "127.0.0.1", 8765, KEY, {"Authorization": "Bearer t"}, ["v1", "v2"]
    )
    lines = request.decode().split("\r\n")
    assert lines[0] == "GET /chat?x=1 HTTP/1.1"
    assert "Host: 127.0.0.1:8765" in lines
    assert "Origin: http://127.0.0.1:8765" in lines
    assert f"Sec-WebSocket-Key: {KEY}" in lines
    assert "Sec-WebSocket-Version: 13" in lines
    assert "Sec-WebSocket-Protocol: v1,v2" in lines
    assert "Authorization: Bearer t" in lines
    assert "Sec-WebSocket-Extensions: permessage-deflate" not in lines  # offered only when asked
    assert request.endswith(b"\r\n\r\n")
    offering = upgrade_request("/", "127.0.0.1", 80, KEY, extensions="permessage-deflate")
    assert b"\r\nSec-WebSocket-Extensions: permessage-deflate\r\n" in offering
    assert b"Host: example.com\r\n" in upgrade_request("/", "example.com", 80, KEY)
    assert b"Host: [::1]:9000\r\n" in upgrade_request("/", "::1", 9000, KEY)


def test_response_head_is_parsed_with_lower_case_header_names():
    response = parse_response(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nX-A: 1\r\nx-a: 2")
    assert (response.status, response.reason) == (101, "Switching Protocols")
    assert response.headers == {"upgrade": "websocket", "x-a": "1, 2"}
    with pytest.raises(HandshakeError, match="not an HTTP response"):
        parse_response(b"SSH-2.0-OpenSSH")


def test_a_correct_acceptance_passes_and_names_the_chosen_subprotocol():
    assert check_upgrade(accepted(), KEY, None) is None
    assert check_upgrade(accepted(**{"sec-websocket-protocol": "V2"}), KEY, ["v1", "v2"]) == "v2"


@pytest.mark.parametrize(
    ("response", "subprotocols", "problem"),
    [
        (accepted(key="c29tZSBvdGhlciBrZXk="), None, "Sec-WebSocket-Accept"),
        (accepted(upgrade="h2c"), None, "Upgrade"),
        (accepted(connection="keep-alive"), None, "Connection"),
        (accepted(), ["v1"], "no subprotocol"),
        (accepted(**{"sec-websocket-protocol": "v3"}), ["v1"], "no subprotocol"),
        (accepted(**{"sec-websocket-protocol": "v1"}), None, "none offered"),
    ],
)
def test_a_wrong_acceptance_is_refused(response, subprotocols, problem):
    with pytest.raises(HandshakeError, match="Invalid WebSocket Header") as refused:
        check_upgrade(response, KEY, subprotocols)
    assert problem in str(refused.value)


def test_callers_overriding_handshake_headers_get_websocket_clients_handshake():
    assert overrides_reserved({"origin": "http://elsewhere"})
    assert overrides_reserved(["Sec-WebSocket-Extensions: permessage-deflate"])
    assert not overrides_reserved({"Authorization": "Bearer t"})
    assert not overrides_reserved(None)
