"""permessage-deflate's trade-off, measured: chat traffic with compression on, then off, compared.

    locust -f locustfiles/compression.py --headless -u 50 -r 50 -t 30s
    locust -f locustfiles/compression.py --headless -u 50 -r 50 -t 30s --compression off

Each user logs in, joins a room of the demo server and chats in it with JSON messages: its own
messages go out compressed, and the room's messages (everyone's) come back compressed by the
server. The WebSocket summary printed at the end has what compression saved and cost: ``wire
bytes in/out`` next to ``bytes in/out``, the ``compression ratio`` each way, and the CPU zlib
spent per message (``deflate`` / ``inflate CPU per message``), in the console, the CSV
(``--csv``), the HTML report and the web UI's WebSockets tab. Run it once per setting and compare
the two summaries with the generator's CPU (``--compression``: ``deflate``, the default;
``no-context-takeover``: every message compressed on its own, each way; ``small-window``: 512-byte
windows, less memory per connection; ``off``).

Without ``--host`` the demo server is started for the run; it negotiates permessage-deflate.
A threshold makes the saving a pass/fail criterion, e.g. ``--ws-threshold 'compression_ratio_in>2'``.
"""

import itertools
import random

from locust import between, events, task

from locust_ws import DeflateOptions, WebSocketUser

ROOM_SIZE = 10
SETTINGS = {
    "deflate": "deflate",
    "no-context-takeover": DeflateOptions(client_no_context_takeover=True, server_no_context_takeover=True),
    "small-window": DeflateOptions(client_max_window_bits=9, server_max_window_bits=9),
    "off": False,
}
WORDS = ["hello", "anyone", "around", "for", "the", "release", "tonight", "deploy", "looks", "good", "thanks"]


@events.init_command_line_parser.add_listener
def _compression_option(parser) -> None:
    parser.add_argument(
        "--compression", choices=sorted(SETTINGS), default="deflate", help="permessage-deflate setting"
    )


class CompressedChatUser(WebSocketUser):
    auto_connect = False  # on_start logs in first
    compression = "deflate"  # every connection of this class offers it; connect() may override
    wait_time = between(0.1, 0.3)

    def on_start(self) -> None:
        login = self.http.post("/login", json={"username": f"user{self.user_index}"}, name="POST /login")
        room = f"room-{self.user_index // ROOM_SIZE}"
        self.client.connect(
            f"/rooms/{room}",
            query={"token": login.json()["token"]},
            name="connect /rooms/[room]",
            compression=SETTINGS[self.environment.parsed_options.compression],
        )
        rng = random.Random(self.user_index)
        self.lines = itertools.cycle(" ".join(rng.choices(WORDS, k=rng.randrange(4, 14))) for _ in range(50))

    @task
    def chat(self) -> None:
        message = {"type": "chat", "user": f"user{self.user_index}", "text": next(self.lines)}
        self.client.request(message, stamp=True, name="chat round trip")
