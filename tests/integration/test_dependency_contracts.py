"""The internals of other libraries that locust-ws relies on and that need a socket to check:
gevent's socket watchers, websocket-client's hand-over of its socket after the handshake, and
Locust's master runner (the pure ones are in tests/unit/test_dependency_contracts.py).
"""

from __future__ import annotations

import gc
import inspect
import socket

import gevent
import gevent.socket
import pytest
from locust.env import Environment

from ..support.contracts import contract


def test_gevent_socket_waits_on_its_read_event_then_reads_the_raw_socket():
    with contract(
        "gevent",
        "socket._read_event, socket._wait(event) and the non-blocking socket._sock",
        "transport/wire.py (WireSocket._recv)",
    ):
        reader, writer = gevent.socket.socketpair()
        try:
            assert type(reader) is gevent.socket.socket
            with pytest.raises(BlockingIOError):
                reader._sock.recv(16)
            gevent.spawn_later(0.01, writer.send, b"frame")
            reader._wait(reader._read_event)
            assert reader._sock.recv(16) == b"frame"
        finally:
            reader.close()
            writer.close()
        assert reader._read_event is None, "a closed socket must drop its read event"


def test_websocket_client_hands_over_its_socket_after_the_handshake(demo_url: str):
    with contract(
        "websocket-client",
        "create_connection(...).sock, detached by setting it to None, getsubprotocol() and "
        "DEFAULT_SOCKET_OPTION",
        "transport/wire.py (_open_with_websocket_client, _connect)",
    ):
        import websocket

        ws = websocket.create_connection(f"{demo_url}/echo", timeout=5)
        assert ws.getsubprotocol() is None
        sock, ws.sock = ws.sock, None
        del ws
        gc.collect()  # websocket-client must not close a socket it no longer holds
        try:
            for option in websocket.DEFAULT_SOCKET_OPTION:
                sock.setsockopt(*option)
            sock.settimeout(5)
            sock.sendall(websocket.ABNF.create_frame("still ours", websocket.ABNF.OPCODE_TEXT).format())
            assert b"still ours" in sock.recv(4096)
        finally:
            sock.close()


def test_locust_master_runner_exposes_its_workers_and_custom_messages():
    with contract(
        "locust",
        "MasterRunner.clients (get, iteration, WorkerNode.state), worker_count, get_worker_index, "
        "register_message, send_message(..., client_id=), STATE_MISSING and rpc.Message",
        "plugin.py and cluster/user_index.py",
    ):
        from locust.rpc import Message
        from locust.runners import STATE_MISSING, MasterRunner, WorkerNode

        environment = Environment()
        runner = environment.create_master_runner("127.0.0.1", _free_port())
        try:
            assert isinstance(runner, MasterRunner)
            assert runner.clients.get("nobody") is None
            assert list(runner.clients) == []
            assert runner.worker_count == 0
            assert callable(runner.get_worker_index)
            runner.register_message("locust_ws_contract", lambda msg, **_kwargs: None)
            assert "client_id" in inspect.signature(runner.send_message).parameters
            worker = WorkerNode("worker-1")
            worker.state = STATE_MISSING
            assert worker.state == STATE_MISSING
            msg = Message("locust_ws_contract", {"index": 3}, "worker-1")
            assert (msg.type, msg.data, msg.node_id) == ("locust_ws_contract", {"index": 3}, "worker-1")
        finally:
            runner.quit()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
