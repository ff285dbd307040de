"""Which values of a handshake count as secrets, and how failure texts are scrubbed of them."""

from __future__ import annotations

import pytest

from locust_ws import ConnectionClosed, HandshakeRejected
from locust_ws.redaction import (
    REDACTED,
    RedactedError,
    connection_secrets,
    display_url,
    payload_secrets,
    redact,
    redact_error,
    scrub_url,
)

TOKEN = "0123456789abcdef"


def test_query_values_are_secrets_but_short_ones_and_engineio_parameters_are_not():
    url = f"ws://127.0.0.1:1/socket.io/?token={TOKEN}&room=lobby&EIO=4&transport=websocket"
    assert connection_secrets(url) == {TOKEN}


def test_url_encoded_forms_are_secrets_too():
    secrets = connection_secrets("ws://h/x?key=pa%2Fss%20w%3Drd")
    assert {"pa/ss w=rd", "pa%2Fss%20w%3Drd", "pa%2Fss+w%3Drd"} <= secrets


def test_the_password_of_the_user_info_is_a_secret():
    assert connection_secrets("ws://alice:correct-horse@h/x") == {"correct-horse"}


def test_header_values_are_secrets_whole_and_word_by_word_unless_public():
    headers = {
        "Authorization": f"Bearer {TOKEN}",
        "Cookie": "theme=dark; session=s3ss10n-value",
        "Origin": "http://127.0.0.1:8765",
        "User-Agent": "locust-ws load test",
    }
    secrets = connection_secrets("ws://h/x", headers)
    assert {f"Bearer {TOKEN}", TOKEN, "theme=dark; session=s3ss10n-value", "s3ss10n-value"} <= secrets
    assert not any("127.0.0.1" in secret or "locust-ws" in secret for secret in secrets)
    assert connection_secrets("ws://h/x", [f"X-Api-Key: {TOKEN}"]) >= {TOKEN}


def test_every_string_leaf_of_an_auth_payload_is_a_secret_whatever_its_length():
    auth = {"token": TOKEN, "user": {"id": 1234567890, "tags": ["refresh-abcdefgh", "ok"]}, "on": True}
    assert {TOKEN, "1234567890", "refresh-abcdefgh", "ok"} <= payload_secrets(auth)
    assert payload_secrets(None) == frozenset()


def test_short_numbers_of_an_auth_payload_are_secrets_only_under_a_credential_key():
    assert payload_secrets({"pin": 42, "api_key": 7, "v": 1}) == {"7"}


SHORT = "Q7x9Zk"


@pytest.mark.parametrize(
    "key",
    ["token", "access_token", "key", "auth", "password", "sig", "secret", "api_key", "API-Key", "id_token"],
)
def test_a_query_value_in_a_secret_position_is_a_secret_whatever_its_length(key):
    assert connection_secrets(f"ws://h/x?{key}={SHORT}&room=lobby") == {SHORT}


@pytest.mark.parametrize(
    ("header", "value"),
    [("Authorization", f"Bearer {SHORT}"), ("Cookie", f"theme=dark; session={SHORT}"), ("X-Api-Key", SHORT)],
)
def test_a_short_credential_header_value_is_a_secret(header, value):
    secrets = connection_secrets("ws://h/x", {header: value})
    assert {SHORT, value} <= secrets
    assert "Bearer" not in secrets


def test_a_short_secret_is_redacted_as_a_whole_word_only():
    text = f"closed by server with code 4001: bad token {SHORT} ({SHORT}x, {SHORT[:4]})"
    assert redact(text, {SHORT, "1"}) == (
        f"closed by server with code 4001: bad token {REDACTED} ({SHORT}x, {SHORT[:4]})"
    )


def test_the_display_form_of_a_url_keeps_everything_but_its_secrets():
    assert display_url(f"ws://ann:{SHORT}@h:1/echo?token={SHORT}&room=lobby") == (
        f"ws://ann:{REDACTED}@h:1/echo?token={REDACTED}&room=lobby"
    )
    assert display_url("ws://h/echo?room=lobby") == "ws://h/echo?room=lobby"


def test_a_url_is_scrubbed_from_rendered_pages_in_each_escaping():
    url = f"ws://h/echo?token={SHORT}&room=lobby"
    page = (
        f'<script>window.args = {{"host": "ws://h/echo?token={SHORT}\\u0026room=lobby"}}</script>'
        f'<a title="ws://h/echo?token={SHORT}&amp;room=lobby"></a> {url}'
    )
    scrubbed = scrub_url(page, url)
    assert SHORT not in scrubbed
    assert scrubbed.count("ws://h/echo?token=\\u003credacted\\u003e\\u0026room=lobby") == 3
    assert scrub_url(f"attachment;filename=x_{url}.html", url, markup=False) == (
        f"attachment;filename=x_ws://h/echo?token={REDACTED}&room=lobby.html"
    )


def test_redact_replaces_secrets_query_strings_and_user_info():
    text = f"bad token {TOKEN} at ws://bob:pw@example.test/x?sig=abc&n=1 then /socket.io/?t=9 (done)"
    assert redact(text, {TOKEN}) == (
        f"bad token {REDACTED} at ws://{REDACTED}@example.test/x?{REDACTED} "
        f"then /socket.io/?{REDACTED} (done)"
    )


@pytest.mark.parametrize(
    "text",
    [
        "connection refused (nothing listening?)",
        "closed by server with code 1006: connection lost",
        "no reply within 5 s",
        "what? really?",
    ],
)
def test_text_without_secrets_is_left_alone(text):
    assert redact(text, {TOKEN}) == text


def test_a_longer_secret_goes_before_the_token_it_contains():
    assert redact(f"header was Bearer {TOKEN}", {TOKEN, f"Bearer {TOKEN}"}) == f"header was {REDACTED}"


def test_errors_are_redacted_in_place_keeping_their_type():
    error = ConnectionClosed(4001, f"bad token {TOKEN}")
    assert redact_error(error, {TOKEN}) is error
    assert str(error) == f"closed by server with code 4001: bad token {REDACTED}"
    assert TOKEN not in repr(error)
    clean = HandshakeRejected(401, "Unauthorized")
    assert redact_error(clean, {TOKEN}) is clean
    assert str(clean) == "handshake refused: HTTP 401 Unauthorized"


def test_an_error_whose_text_is_not_its_arguments_is_replaced():
    class Opaque(Exception):
        def __str__(self) -> str:
            return f"failed with {TOKEN}"

        __repr__ = __str__

    replaced = redact_error(Opaque(), {TOKEN})
    assert isinstance(replaced, RedactedError)
    assert str(replaced) == f"Opaque: failed with {REDACTED}"
