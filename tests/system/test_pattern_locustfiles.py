"""The load-pattern locustfiles run as shipped: the reconnect-storm scenario (drops every
connection twice, reconnect jitter on then off, prints recovery and resubscription times and the
server's peak handshake rate, and ends by itself) and the round-robin room hopper."""

from __future__ import annotations

import re
import time

from locust_ws import WebSocketSession

from ..support.demo import fetch_json
from .test_locustfiles import run_locust, stats_rows

ROW = re.compile(
    r"^(?P<storm>\d)\s+(?P<jitter>on|off)\s+(?P<dropped>\d+)\s+(?P<back_95>[\d.]+) s\s+"
    r"(?P<back_all>[\d.]+) s\s+(?P<peak>\d+) handshakes/s\s+(?P<resubscribed_p50>[\d.]+) s\s+"
    r"(?P<resubscribed_p95>[\d.]+) s\s+(?P<down>\d+)$",
    re.MULTILINE,
)


def test_storm_summary_shows_recovery_and_a_lower_server_peak_with_jitter():
    result = run_locust("reconnect_storm.py", "-u", "80", "-r", "80", "--only-summary")
    output = result.stdout + result.stderr
    assert "Reconnect storm: 80 users" in output, output
    rows = {match["jitter"]: match.groupdict() for match in ROW.finditer(output)}
    assert set(rows) == {"on", "off"}, output
    for row in rows.values():
        assert int(row["dropped"]) == 80
        assert 0 < float(row["back_95"]) <= float(row["back_all"]) < 30
        # Resubscribed (on_connect done) after the socket was back, and nobody left behind.
        assert 0 < float(row["resubscribed_p50"]) <= float(row["resubscribed_p95"]) < 30
        assert int(row["down"]) == 0
    # Without jitter all 80 come back in the same instant; full jitter spreads them over 2 s.
    assert int(rows["off"]["peak"]) >= 64
    assert int(rows["on"]["peak"]) < int(rows["off"]["peak"])
    assert "reconnect /feed" in output and "resubscribe /feed" in output and "Traceback" not in output
    assert result.returncode == 1  # the drops are failures by design


def test_room_hopper_joins_rooms_round_robin_without_failures():
    result = run_locust(
        "rooms.py", "-u", "16", "-r", "16", "-t", "4s", "--ws-connect-rate", "40", "--only-summary"
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    rows = stats_rows(output)
    assert rows["POST /login"] == (16, 0)
    joins, failed_joins = rows["connect /rooms/[room]"]
    assert joins >= 16 and failed_joins == 0
    assert rows["chat round trip"][0] > 0 and rows["chat round trip"][1] == 0
    assert "Traceback" not in output


def test_admin_drop_says_when_it_dropped_on_the_clock_of_the_handshake_times(environment, demo_http):
    session = WebSocketSession(environment.host, environment.events.request, ping_interval=0)
    session.connect("/echo")
    before = time.time()
    drop = fetch_json(f"{demo_http}/admin/drop", "POST")
    after = time.time()
    session.close()
    assert drop["dropped"] >= 1
    assert before <= drop["dropped_at"] <= after
    assert max(fetch_json(f"{demo_http}/stats")["handshake_times"]) <= drop["dropped_at"]
