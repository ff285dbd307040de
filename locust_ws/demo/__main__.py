"""Command line: `python -m locust_ws.demo` / `locust-ws-demo`.

Prints exactly one line to stdout once listening (parents such as `start_demo_process` parse the
port from it); logs go to stderr. SIGTERM and SIGINT stop the server and exit with status 0.
"""

from __future__ import annotations

import argparse
import logging
import resource
import signal
import sys
from collections.abc import Sequence

import gevent
from gevent.event import Event

from .connection import IdlePolicy
from .outbox import SLOW_CONSUMER_ACTIONS, SlowConsumerPolicy
from .server import DemoServer
from .socketio_app import SocketIOSettings


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="locust-ws-demo", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8765, help="port to bind, 0 = any free port")
    parser.add_argument(
        "--feed-rate", type=float, default=10.0, help="default /feed messages per second per topic"
    )
    parser.add_argument(
        "--log-level",
        default="WARNING",
        type=str.upper,
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="INFO adds one access line per connection (default: %(default)s)",
    )
    parser.add_argument("--certfile", help="PEM certificate (chain): serve TLS, wss:// and https://")
    parser.add_argument("--keyfile", help="PEM private key of --certfile (if not inside it)")
    parser.add_argument("--client-ca", help="PEM CA bundle: require client certificates signed by it")
    parser.add_argument(
        "--max-connections",
        type=int,
        metavar="N",
        help="refuse WebSocket upgrades with 503 beyond N open connections (a server at capacity)",
    )
    parser.add_argument(
        "--leak-connections",
        action="store_true",
        help="keep an open file descriptor per closed connection, on purpose (/metrics shows it)",
    )
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="end a plain WebSocket whose client sent no message for this long, as a gateway's "
        "idle timeout does (pings do not count; 0 = never, the default)",
    )
    parser.add_argument(
        "--idle-action",
        choices=["close", "drop"],
        default="close",
        help="what --idle-timeout does: close with 1001, or drop without a close frame (1006)",
    )
    parser.add_argument(
        "--slow-consumer",
        choices=SLOW_CONSUMER_ACTIONS,
        default="block",
        help="what /feed does once --send-queue pushes wait for a slow client: block the pusher "
        "(TCP backpressure, the default), drop pushes, close the client (1008), or buffer without limit",
    )
    parser.add_argument(
        "--send-queue",
        type=int,
        default=100,
        metavar="MESSAGES",
        help="pushes that may wait for one /feed client before --slow-consumer acts (default: %(default)s)",
    )
    parser.add_argument(
        "--send-buffer",
        type=int,
        default=0,
        metavar="BYTES",
        help="SO_SNDBUF of every accepted socket (0: the kernel's, which grows to megabytes and "
        "hides a slow consumer from --slow-consumer for a long time)",
    )
    parser.add_argument(
        "--no-compression",
        dest="compression",
        action="store_false",
        help="decline permessage-deflate (accepted from clients that offer it by default)",
    )
    SocketIOSettings.add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        args.socketio = SocketIOSettings.from_arguments(args)
    except ValueError as error:
        parser.error(str(error))
    if (args.keyfile or args.client_ca) and not args.certfile:
        parser.error("--keyfile and --client-ca need --certfile")
    if args.max_connections is not None and args.max_connections < 0:
        parser.error("--max-connections must be >= 0")
    if args.feed_rate <= 0:
        parser.error("--feed-rate must be > 0")
    try:
        args.idle = IdlePolicy(args.idle_timeout, args.idle_action)
        args.slow_consumer_policy = SlowConsumerPolicy(args.slow_consumer, args.send_queue)
    except ValueError as error:
        parser.error(str(error))
    return args


def _raise_open_files_limit() -> None:
    """Use the hard limit on open files: each WebSocket holds one, and the soft default (often
    1,024) would cap a load test at about that many connections."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    _raise_open_files_limit()
    logging.basicConfig(level=args.log_level, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    server = DemoServer(
        host=args.host,
        port=args.port,
        feed_rate=args.feed_rate,
        certfile=args.certfile,
        keyfile=args.keyfile,
        client_ca=args.client_ca,
        socketio_settings=args.socketio,
        max_connections=args.max_connections,
        leak_connections=args.leak_connections,
        idle=args.idle,
        slow_consumer=args.slow_consumer_policy,
        send_buffer=args.send_buffer,
        compression=args.compression,
    )
    stopping = Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        gevent.signal_handler(signum, stopping.set)
    server.start()
    print(f"locust-ws demo server listening on {server.url}", flush=True)
    stopping.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
