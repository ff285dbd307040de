"""The smallest servers the docs' recipes (docs/recipes.md) need beyond the demo server: GraphQL
over WebSocket (``graphql-transport-ws``) on ``/graphql`` and STOMP 1.2 on ``/stomp``.

    python recipe_servers.py [--port N]

Binds 127.0.0.1 (port 0 by default) and prints ``{"port": P}`` once it listens, for
``third_party_servers.running``. Each protocol is implemented only as far as the recipes use it,
but strictly there: a frame out of order or a missing header closes the connection with 4400 or
answers a STOMP ``ERROR``, so a recipe that speaks the protocol wrongly fails its test.

It runs in its own process, on ``websockets``' asyncio server, far from the tests' gevent.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
from http import HTTPStatus
from urllib.parse import urlsplit

from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

GRAPHQL_SUBPROTOCOL = "graphql-transport-ws"
STOMP_SUBPROTOCOL = "v12.stomp"
SUBPROTOCOL_OF_PATH = {"/graphql": GRAPHQL_SUBPROTOCOL, "/stomp": STOMP_SUBPROTOCOL}
TICKS_PER_SUBSCRIPTION = 3


def refuse(connection: ServerConnection, request: Request) -> Response | None:
    """HTTP 404 for other paths; HTTP 400 when the path's subprotocol was not offered."""
    path = urlsplit(request.path).path
    if path not in SUBPROTOCOL_OF_PATH:
        return connection.respond(HTTPStatus.NOT_FOUND, "no such path\n")
    offered = request.headers.get("Sec-WebSocket-Protocol", "")
    if SUBPROTOCOL_OF_PATH[path] not in (part.strip() for part in offered.split(",")):
        return connection.respond(HTTPStatus.BAD_REQUEST, f"offer {SUBPROTOCOL_OF_PATH[path]}\n")
    return None


async def graphql(ws: ServerConnection) -> None:
    """graphql-transport-ws: connection_init first, then subscribe -> next x 3 -> complete."""
    acknowledged = False
    async for raw in ws:
        message = json.loads(raw)
        kind = message.get("type")
        if kind == "connection_init" and not acknowledged:
            acknowledged = True
            await ws.send(json.dumps({"type": "connection_ack"}))
            await ws.send(json.dumps({"type": "ping"}))  # the recipe's handler must answer it
        elif not acknowledged:
            await ws.close(4401, "Unauthorized")
            return
        elif (
            kind == "subscribe"
            and isinstance(message.get("id"), str)
            and "query" in message.get("payload", {})
        ):
            for n in range(TICKS_PER_SUBSCRIPTION):
                await ws.send(
                    json.dumps(
                        {"id": message["id"], "type": "next", "payload": {"data": {"ticks": {"n": n}}}}
                    )
                )
            await ws.send(json.dumps({"id": message["id"], "type": "complete"}))
        elif kind not in ("pong", "ping", "complete"):
            await ws.close(4400, f"unexpected {kind}")
            return


def stomp_frame(command: str, headers: dict[str, str], body: str = "") -> str:
    return (
        "\n".join([command, *(f"{key}:{value}" for key, value in headers.items())]) + "\n\n" + body + "\x00"
    )


class Stomp:
    """STOMP 1.2 as a one-process broker: CONNECT, SUBSCRIBE, SEND (to subscribers), DISCONNECT;
    a ``receipt`` header on any of the last three is answered with a RECEIPT."""

    def __init__(self) -> None:
        self.subscribers: dict[str, set[tuple[ServerConnection, str]]] = {}
        self.message_ids = itertools.count(1)

    async def serve(self, ws: ServerConnection) -> None:
        connected = False
        mine: list[tuple[str, tuple[ServerConnection, str]]] = []
        try:
            async for raw in ws:
                for frame in str(raw).split("\x00"):
                    if not frame.strip("\n"):
                        continue
                    head, _, body = frame.lstrip("\n").partition("\n\n")
                    command, *lines = head.split("\n")
                    headers = dict(line.split(":", 1) for line in lines)
                    if command == "CONNECT" and headers.get("accept-version") == "1.2":
                        connected = True
                        await ws.send(stomp_frame("CONNECTED", {"version": "1.2"}))
                        continue
                    if not connected:
                        await ws.send(stomp_frame("ERROR", {"message": "CONNECT first"}))
                        return
                    if command == "SUBSCRIBE":
                        entry = (ws, headers["id"])
                        self.subscribers.setdefault(headers["destination"], set()).add(entry)
                        mine.append((headers["destination"], entry))
                    elif command == "SEND":
                        await self.deliver(headers["destination"], body)
                    elif command != "DISCONNECT":
                        await ws.send(stomp_frame("ERROR", {"message": f"unexpected {command}"}))
                        return
                    if "receipt" in headers:
                        await ws.send(stomp_frame("RECEIPT", {"receipt-id": headers["receipt"]}))
        finally:
            for destination, entry in mine:
                self.subscribers[destination].discard(entry)

    async def deliver(self, destination: str, body: str) -> None:
        for subscriber, subscription in list(self.subscribers.get(destination, ())):
            headers = {
                "subscription": subscription,
                "message-id": str(next(self.message_ids)),
                "destination": destination,
            }
            try:
                await subscriber.send(stomp_frame("MESSAGE", headers, body))
            except Exception:  # noqa: BLE001 - a subscriber that just left
                continue


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    stomp = Stomp()

    async def handle(ws: ServerConnection) -> None:
        if urlsplit(ws.request.path).path == "/graphql":
            await graphql(ws)
        else:
            await stomp.serve(ws)

    async with serve(
        handle,
        "127.0.0.1",
        args.port,
        process_request=refuse,
        subprotocols=[GRAPHQL_SUBPROTOCOL, STOMP_SUBPROTOCOL],
    ) as server:
        print(json.dumps({"port": next(iter(server.sockets)).getsockname()[1]}), flush=True)
        await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    asyncio.run(main())
