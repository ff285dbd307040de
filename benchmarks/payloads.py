"""The messages every generator sends, so locust-ws, k6, Artillery and the bare loop put the same
bytes on the wire: a 64-byte JSON text frame for the echo (once locust-ws adds its correlation id;
the others send a fixed id of that length: a session's 16-hex prefix and a 5-digit count) and the
argument of the Socket.IO call."""

from __future__ import annotations

import json

MESSAGE = {"op": "echo", "text": "x" * 11}
MESSAGE_ID = "0123456789abcdef-12345"
RAW_MESSAGE = json.dumps({**MESSAGE, "id": MESSAGE_ID}, separators=(",", ":"))
SIO_MESSAGE = {"text": "x" * 32}
SIO_RAW_MESSAGE = json.dumps(SIO_MESSAGE, separators=(",", ":"))
CONNECTIONS_PER_USER = 100
"""Connections each ``ManyIdleUser`` holds (k6: each VU of ``k6/idle_many.js``)."""
