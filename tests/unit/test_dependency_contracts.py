"""The internals of other libraries that locust-ws relies on, checked against the installed releases.

locust-ws reaches past some libraries' documented APIs for speed or for hooks they do not offer:
HdrHistogram's counters, gevent's loop, websocket-client's URL helpers, python-socketio's and
python-engineio's packet classes, Locust's HTTP session, web UI and parser, and gevent-websocket's
socket class, and websocket-client's TLS wrapper and requests' pool kwargs for source addresses;
the ones that need a socket are in tests/integration/test_dependency_contracts.py.
setup.cfg caps each library below the next release that could change them: these tests are what
raising a cap waits for. A broken contract fails with the library, its installed version, the
internal and the module of ours that uses it (``support.contracts``).
"""

from __future__ import annotations

import configparser
import inspect
import io
from importlib.metadata import version
from pathlib import Path

from gevent.hub import Waiter, get_hub
from locust.env import Environment
from locust.event import EventHook
from packaging.requirements import Requirement

from ..support.contracts import contract
from ..support.paths import ROOT


def test_installed_libraries_are_inside_the_ranges_setup_cfg_declares():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    for line in config["options"]["install_requires"].split("\n"):
        if not line.strip():
            continue
        requirement = Requirement(line.strip())
        installed = version(requirement.name)
        assert requirement.specifier.contains(installed, prereleases=True), (
            f"{requirement.name} {installed} is installed, outside the tested range {requirement}: "
            "these contracts were checked on the range only. Run them on this release, then raise the "
            "bound in setup.cfg"
        )


def test_hdrh_counters_hold_what_record_ms_writes_inline():
    with contract(
        "hdrhistogram",
        "HdrHistogram's bucket layout and its counts/total_count/min_value/max_value",
        "metrics/histograms.py (LatencyHistogram.record_ms)",
    ):
        from hdrh.histogram import HdrHistogram

        from locust_ws.metrics.histograms import (
            HIGHEST_US,
            LOWEST_US,
            SIGNIFICANT_FIGURES,
            LatencyHistogram,
        )

        ours = LatencyHistogram()
        reference = HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_FIGURES)
        samples_us = [0, 1, 2, 999, 1000, 2047, 2048, 2049, 4095, 4096, 65_537, 1_234_567, HIGHEST_US]
        for micros in samples_us:
            ours.record_ms(micros / 1000.0)
            assert reference.record_value(micros)
        recorded = HdrHistogram.decode(ours.to_wire()[0])
        assert list(recorded.counts) == list(reference.counts)
        assert recorded.total_count == reference.total_count == len(samples_us)
        assert ours.min_ms == reference.get_min_value() / 1000.0
        assert ours.max_ms == reference.get_max_value() / 1000.0
        assert ours.percentile_ms(50.0) == reference.get_value_at_percentile(50.0) / 1000.0


def test_gevent_loop_callbacks_and_timers_wake_a_waiter():
    with contract(
        "gevent",
        "hub.loop.run_callback, hub.loop.timer(...).start(callback, arg, update=True) and Waiter",
        "sessions/connection.py (_ReplySlot)",
    ):
        answered = Waiter()
        get_hub().loop.run_callback(answered.switch, "reply")
        assert answered.get() == "reply"

        expired = Waiter()
        timer = get_hub().loop.timer(0.01)
        timer.start(expired.switch, "expired", update=True)
        try:
            assert expired.get() == "expired"
        finally:
            timer.close()


def test_websocket_client_parses_urls_and_finds_proxies(monkeypatch):
    with contract(
        "websocket-client",
        "websocket._url.parse_url and websocket._url.get_proxy_info",
        "transport/wire.py (open_websocket, _proxied)",
    ):
        from websocket._url import get_proxy_info, parse_url

        assert parse_url("ws://127.0.0.1:8765/rooms/a?t=1") == ("127.0.0.1", 8765, "/rooms/a?t=1", False)
        assert parse_url("wss://chat.example.com") == ("chat.example.com", 443, "/", True)
        monkeypatch.setenv("http_proxy", "http://proxy.example:3128")
        monkeypatch.setenv("no_proxy", "internal.example")
        assert get_proxy_info("chat.example.com", False)[:2] == ("proxy.example", 3128)
        assert get_proxy_info("internal.example", False)[0] is None


def test_websocket_client_wraps_our_socket_in_tls_and_takes_it_as_socket():
    with contract(
        "websocket-client",
        "websocket._http._ssl_socket(sock, sslopt, hostname) and create_connection's socket= option",
        "transport/wire.py (_open_with_websocket_client, for a source address)",
    ):
        from websocket import WebSocket
        from websocket._http import _ssl_socket

        assert list(inspect.signature(_ssl_socket).parameters) == ["sock", "user_sslopt", "hostname"]
        assert 'options.pop("socket", None)' in inspect.getsource(WebSocket.connect)


def test_locust_http_adapter_builds_its_pool_through_init_poolmanager():
    with contract(
        "locust",
        "LocustHttpAdapter(pool_manager=None) calling HTTPAdapter.init_poolmanager with pool kwargs",
        "users/http.py (_SourceAddressLocustAdapter) and transport/sources.py (SourceAddressAdapter)",
    ):
        from locust_ws.users.http import _SourceAddressLocustAdapter

        adapter = _SourceAddressLocustAdapter("127.0.0.9", pool_manager=None)
        assert adapter.poolmanager.connection_pool_kw["source_address"] == ("127.0.0.9", 0)


def test_websocket_client_errors_carry_what_we_report():
    with contract(
        "websocket-client",
        "WebSocketBadStatusException(message, status_code, status_message, resp_headers) and "
        "the exception hierarchy",
        "transport/wire.py and sessions/connection.py (failure reporting)",
    ):
        import websocket

        rejected = websocket.WebSocketBadStatusException("Handshake status 403", 403, "Forbidden", {})
        assert (rejected.status_code, rejected.status_message) == (403, "Forbidden")
        assert rejected.resp_headers == {}
        for error in (
            websocket.WebSocketBadStatusException,
            websocket.WebSocketAddressException,
            websocket.WebSocketConnectionClosedException,
            websocket.WebSocketTimeoutException,
        ):
            assert issubclass(error, websocket.WebSocketException), error.__name__


def test_engineio_packets_decode_and_encode_as_the_transports_expect():
    with contract(
        "python-engineio",
        "engineio.packet.Packet(encoded_packet=...), its packet types and encode()",
        "protocol/engineio.py (PacketType) and transport/polling.py",
    ):
        from engineio import packet as eio

        from locust_ws.protocol.engineio import PacketType

        theirs = [eio.OPEN, eio.CLOSE, eio.PING, eio.PONG, eio.MESSAGE, eio.UPGRADE, eio.NOOP]
        assert [digit - ord("0") for digit in PacketType] == theirs
        opening = eio.Packet(encoded_packet='0{"sid":"s1","pingInterval":25000,"pingTimeout":20000}')
        assert opening.packet_type == eio.OPEN
        assert opening.data == {"sid": "s1", "pingInterval": 25000, "pingTimeout": 20000}
        assert eio.Packet(encoded_packet="1").packet_type == eio.CLOSE
        assert eio.Packet(eio.MESSAGE, data='2["chat"]').encode() == '42["chat"]'


def test_socketio_packets_encode_decode_and_collect_attachments_as_the_session_expects():
    with contract(
        "python-socketio",
        "socketio.packet.Packet(type, data=, namespace=, id=), encode(), "
        "Packet(encoded_packet=...), attachment_count/attachments/add_attachment and the packet types",
        "protocol/socketio_packets.py and sessions/socketio.py",
    ):
        from socketio import packet as sio

        types = (sio.CONNECT, sio.DISCONNECT, sio.EVENT, sio.ACK, sio.CONNECT_ERROR, sio.BINARY_EVENT)
        assert (*types, sio.BINARY_ACK) == tuple(range(7))
        plain = sio.Packet(sio.EVENT, data=["chat", {"text": "hi"}], namespace="/chat", id=7)
        assert plain.encode() == '2/chat,7["chat",{"text":"hi"}]'
        head, attachment = sio.Packet(sio.EVENT, data=["file", b"\x00\x01"], namespace="/", id=None).encode()
        received = sio.Packet(encoded_packet=head)
        assert (received.packet_type, received.attachment_count, len(received.attachments)) == (
            sio.BINARY_EVENT,
            1,
            0,
        )
        assert received.add_attachment(attachment) is True
        assert (received.data, received.namespace, received.id) == (["file", b"\x00\x01"], None, None)


def test_locust_http_session_builds_urls_and_takes_the_name_third():
    with contract(
        "locust",
        "HttpSession(base_url, request_event, user), _build_url, request_name, "
        "request(method, url, name, ...) and requests' merge_environment_settings",
        "users/http.py (RealtimeHttpSession)",
    ):
        from locust.clients import HttpSession

        http = HttpSession("http://127.0.0.1:8765", EventHook(), None)
        assert http._build_url("/login?next=/") == "http://127.0.0.1:8765/login?next=/"
        assert http._build_url("https://other.example/x") == "https://other.example/x"
        assert http.request_name is None
        assert list(inspect.signature(HttpSession.request).parameters)[1:4] == ["method", "url", "name"]
        settings = http.merge_environment_settings("http://127.0.0.1:8765/", {}, None, None, None)
        assert "verify" in settings


def test_locust_web_ui_takes_tabs_routes_and_response_hooks(monkeypatch):
    monkeypatch.setattr("sys.argv", ["locust"])  # the web UI parses the command line for its form
    with contract(
        "locust",
        "WebUI.template_args (extended_tabs/extended_tables/extended_csv_files), WebUI.app, "
        "auth_required_if_enabled, the /stats/requests and /stats/report routes and the UI's extendedStats",
        "reports/webui.py (install_tab)",
    ):
        import locust

        import locust_ws.plugin  # noqa: F401 - registers the --ws-* options

        environment = Environment()
        environment.create_local_runner()
        web_ui = environment.create_web_ui("127.0.0.1", 0, delayed_start=True)
        assert "ws_connect_rate" in web_ui.template_args["extra_options"]
        assert callable(web_ui.app.after_request)
        assert callable(web_ui.auth_required_if_enabled(lambda: None))
        routes = {rule.rule for rule in web_ui.app.url_map.iter_rules()}
        assert {"/stats/requests", "/stats/report"} <= routes
        assert web_ui.app.test_client().get("/stats/requests").is_json
        assets = Path(locust.__file__).parent / "webui" / "dist" / "assets"
        bundle = "".join(path.read_text(encoding="utf-8", errors="replace") for path in assets.glob("*.js"))
        for key in ("extendedTabs", "extendedTables", "extendedCsvFiles", "extendedStats"):
            assert key in bundle, f"the web UI no longer reads {key}"


def test_locust_parser_shows_web_ui_attributes_set_on_argument_group_actions(monkeypatch):
    with contract(
        "locust",
        "LocustArgumentParser reading include_in_web_ui/is_secret/is_required/is_multiple from "
        "actions of an argument group, and env_var on a group's add_argument",
        "plugin.py (_WebUiGroup, the --ws-* options)",
    ):
        from locust.argument_parser import LocustArgumentParser

        parser = LocustArgumentParser()
        group = parser.add_argument_group("locust-ws contract")
        action = group.add_argument("--ws-contract-rate", type=float, env_var="LOCUST_WS_CONTRACT_RATE")
        action.include_in_web_ui = True
        action.is_secret = action.is_required = action.is_multiple = False
        hidden = group.add_argument("--ws-contract-hidden")
        hidden.include_in_web_ui = hidden.is_secret = hidden.is_required = hidden.is_multiple = False
        assert "ws_contract_rate" in parser.args_included_in_web_ui
        assert "ws_contract_hidden" not in parser.args_included_in_web_ui
        monkeypatch.setenv("LOCUST_WS_CONTRACT_RATE", "2.5")
        assert parser.parse_args([]).ws_contract_rate == 2.5


def test_gevent_websocket_socket_can_take_the_demo_class():
    with contract(
        "gevent-websocket",
        "geventwebsocket.websocket.WebSocket's slots (no instance dict) and the frame and close methods",
        "demo/handler.py (DemoWebSocket, swapped in by __class__)",
    ):
        from geventwebsocket.websocket import WebSocket

        from locust_ws.demo.handler import DemoWebSocket

        assert {"environ", "closed", "stream", "raw_write", "raw_read", "handler"} <= set(WebSocket.__slots__)
        for method in ("read_frame", "send_frame", "handle_close"):
            assert callable(getattr(WebSocket, method)), method
        ws = WebSocket({}, io.BytesIO(), None)
        ws.__class__ = DemoWebSocket
        assert isinstance(ws, DemoWebSocket)


def test_locust_stats_outputs_read_entries_through_the_methods_and_columns_we_override():
    with contract(
        "locust",
        "EntriesDict, RequestStats.clear_all/serialize_stats, StatsEntry.to_string's '|' cells, "
        "to_dict's time keys, StatsCSV._requests_data_rows, StatsCSVFileWriter._stats_history_data_rows "
        "and their column titles, the web UI's rounded Median/Average and its Min column",
        "reports/locust_stats.py (blank_untimed_cells, BLANK_CELLS_SCRIPT)",
    ):
        import locust
        from locust.stats import EntriesDict, RequestStats, StatsCSV, StatsCSVFileWriter

        stats = RequestStats()
        assert type(stats.entries) is EntriesDict
        stats.log_request("WS", "recv", None, 0)  # type: ignore[arg-type]
        assert stats.entries["recv", "WS"].num_none_requests == 1
        assert len(stats.entries["recv", "WS"].to_string().split("|")) == 3
        keys = stats.entries["recv", "WS"].to_dict()
        assert {"min_response_time", "max_response_time", "avg_response_time", "median_response_time"} <= set(
            keys
        )
        assert {"min_response_time", "max_response_time", "total_response_time"} <= set(
            stats.serialize_stats()[0]
        )
        for method in (StatsCSV._requests_data_rows, StatsCSVFileWriter._stats_history_data_rows):
            assert list(inspect.signature(method).parameters)[:2] == ["self", "csv_writer"]
        columns = StatsCSV(Environment(), [0.5]).requests_csv_columns
        assert {"Type", "Name", "Median Response Time", "Min Response Time", "50%"} <= set(columns)
        assets = Path(locust.__file__).parent / "webui" / "dist" / "assets"
        bundle = "".join(path.read_text(encoding="utf-8", errors="replace") for path in assets.glob("*.js"))
        for title in ("`Median (ms)`,round:2", "`Average (ms)`,round:2", "`Min (ms)`"):
            assert title in bundle, f"the web UI's Statistics table no longer has {title}"
