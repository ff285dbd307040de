"""The ``websockets`` library's own asyncio server, for the locust-ws interop tests: the same paths
and the same output as ``ws_server.js``, so one set of tests runs against both.

    python websockets_server.py [--port N] [--bound-port N] [--bound-path /some/path]

Binds 127.0.0.1 (port 0 by default) and prints one JSON line once both ports listen:
``{"port": P, "bound_port": Q, "bound_path": "/some/path"}``. The paths are described in
``ws_server.js``; ``websockets`` has no ``path:`` option, so the bound port refuses other paths in
``process_request`` (HTTP 404) instead of ws's HTTP 400. ``websockets`` negotiates
permessage-deflate by default (windows of 12 bits, every message compressed), so here paths
without a prefix compress like ``/deflate/...``; the prefixes pick the extension configuration in
``process_request``, which runs before the server negotiates.

It runs in its own process, on asyncio, far from the tests' gevent.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
from http import HTTPStatus
from urllib.parse import urlsplit

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory
from websockets.http11 import Request, Response

CLOSE_WITH = re.compile(r"/close/(\d{4})")
PATHS = ("/echo", "/broadcast", "/close-empty", "/drop", "/reject")
DEFLATE_PREFIXES = {
    "/plain": [],
    "/deflate": None,  # the server's own configuration: websockets' default
    "/deflate-small": [
        ServerPerMessageDeflateFactory(
            server_max_window_bits=10, client_max_window_bits=9, client_no_context_takeover=True
        )
    ],
    "/deflate-required": None,
}


def split_prefix(target: str) -> tuple[str, str]:
    """``/deflate/echo`` -> ``("/deflate", "/echo")``; a path without a known prefix keeps it all."""
    path = urlsplit(target).path
    prefix = "/" + path.split("/")[1] if path.count("/") > 1 else ""
    return (prefix, path[len(prefix) :]) if prefix in DEFLATE_PREFIXES else ("", path)


def path_of(target: str) -> str:
    return split_prefix(target)[1]


class Behaviours:
    """One handler per path of the main port."""

    def __init__(self) -> None:
        self.broadcast_clients: set[ServerConnection] = set()

    def refuse(self, connection: ServerConnection, request: Request) -> Response | None:
        prefix, path = split_prefix(request.path)
        extensions = DEFLATE_PREFIXES.get(prefix)
        if extensions is not None:
            connection.protocol.available_extensions = extensions
        offered = "permessage-deflate" in request.headers.get("Sec-WebSocket-Extensions", "")
        if prefix == "/deflate-required" and not offered:
            return connection.respond(HTTPStatus.BAD_REQUEST, "permessage-deflate required\n")
        if path == "/reject":
            return connection.respond(HTTPStatus.UNAUTHORIZED, "no valid token\n")
        if path not in PATHS and not CLOSE_WITH.fullmatch(path):
            return connection.respond(HTTPStatus.NOT_FOUND, "no such path\n")
        return None

    async def handle(self, ws: ServerConnection) -> None:
        path = path_of(ws.request.path)
        if path == "/echo":
            async for message in ws:
                await ws.send(message)
        elif path == "/broadcast":
            self.broadcast_clients.add(ws)
            try:
                async for message in ws:
                    broadcast(self.broadcast_clients, message)
            finally:
                self.broadcast_clients.discard(ws)
        else:
            await ws.recv()
            if path == "/close-empty":
                # send_close(None) is websockets' close frame without a status code (RFC 6455 5.5.1)
                await ws.close(code=None)
            elif path == "/drop":
                ws.transport.abort()
            else:
                await ws.close(int(CLOSE_WITH.fullmatch(path).group(1)), "bye")


def bound_to(bound_path: str):
    def refuse(connection: ServerConnection, request: Request) -> Response | None:
        if path_of(request.path) != bound_path:
            return connection.respond(HTTPStatus.NOT_FOUND, f"only {bound_path} here\n")
        return None

    return refuse


async def answer_with_url(ws: ServerConnection) -> None:
    async for message in ws:
        await ws.send(json.dumps({**json.loads(message), "url": ws.request.path}))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--bound-port", type=int, default=0)
    parser.add_argument("--bound-path", default="/some/path")
    args = parser.parse_args()
    behaviours = Behaviours()
    async with (
        serve(behaviours.handle, "127.0.0.1", args.port, process_request=behaviours.refuse) as server,
        serve(
            answer_with_url, "127.0.0.1", args.bound_port, process_request=bound_to(args.bound_path)
        ) as bound,
    ):
        ports = {
            "port": next(iter(server.sockets)).getsockname()[1],
            "bound_port": next(iter(bound.sockets)).getsockname()[1],
            "bound_path": args.bound_path,
        }
        print(json.dumps(ports), flush=True)
        await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    asyncio.run(main())
