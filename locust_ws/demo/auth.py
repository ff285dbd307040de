"""Bearer tokens for the endpoints that need a login, so clients can exercise auth flows."""

from __future__ import annotations

import secrets
from typing import TypeGuard


class TokenStore:
    """Issues random tokens and recognises them; nothing expires while the server runs."""

    def __init__(self) -> None:
        self._tokens: set[str] = set()

    def issue(self) -> str:
        token = secrets.token_hex(16)
        self._tokens.add(token)
        return token

    def is_valid(self, token: str | None) -> TypeGuard[str]:
        return token is not None and token in self._tokens


def token_from_request(environ: dict, query: dict[str, list[str]]) -> str | None:
    """The token from `?token=` or, failing that, from `Authorization: Bearer <token>`."""
    if query.get("token"):
        return query["token"][0]
    scheme, _, value = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None
