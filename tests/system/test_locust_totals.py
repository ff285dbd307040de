"""What Locust's own table counts: every action of a user once (a connect, a send, a round trip
with its reply, a close) plus every message received that answered no request, once; held to the
demo server's counters of the messages it received and sent, in real headless runs. And Locust's
``--json`` / ``--json-file`` outputs carry the WebSocket summary without changing Locust's own."""

from __future__ import annotations

import json

import pytest

from ..support.demo import demo_of_its_own, run_totals_locustfile, server_stats


@pytest.fixture(scope="module")
def own_demo():
    with demo_of_its_own() as url:
        yield url


def test_locusts_aggregated_count_is_actions_plus_messages_received_each_once(own_demo, tmp_path):
    server_stats(own_demo, reset=True)
    run_totals_locustfile(own_demo, "--json-file", str(tmp_path / "run"), users=5, seconds=2)
    entries = {entry["name"]: entry for entry in json.loads((tmp_path / "run.json").read_text())}
    server = server_stats(own_demo)
    count = {name: entry["num_requests"] for name, entry in entries.items()}
    received = ("recv", "server push", "fanout")  # each message that answered no request: one of them
    assert set(count) == {"connect /echo", "echo", "send", *received, "close /echo"}
    assert count["recv"] == count["server push"] == count["fanout"]
    assert count["connect /echo"] == count["close /echo"] == server["handshakes"] == 5
    # Every message sent is one entry (a send, or the round trip it started) ...
    assert count["send"] + count["echo"] == server["messages_in"] > 50
    # ... and every message received too: a reply within its round trip, anything else a recv.
    assert count["echo"] + sum(count[name] for name in received) == server["messages_out"]
    aggregated = sum(count.values())  # Locust's Aggregated row adds up every entry
    actions = count["connect /echo"] + server["messages_in"] + count["close /echo"]
    assert aggregated == actions + server["messages_out"] - count["echo"]

    # The send entries are timed (the write), never a constant 0; recv entries have no time.
    send = entries["send"]
    assert send["num_none_requests"] == 0 and send["max_response_time"] > send["min_response_time"] > 0
    assert entries["recv"]["num_none_requests"] == count["recv"]

    # Locust's file keeps its format; the WebSocket summary is beside it.
    summary = json.loads((tmp_path / "run.ws.json").read_text())
    assert summary["metrics"]["messages_in"] == server["messages_out"]
    assert summary["metrics"]["messages_out"] == server["messages_in"]
    assert not [row for row in summary["latency"] if row["kind"] == "send_blocked"]  # nothing blocked
    rows = {(row["kind"], row["name"]): row for row in summary["latency"]}
    # A message stamped by both is one fanout entry in Locust; its push latency is still ours.
    push = rows["push", "server push"]
    assert push["count"] == push["samples"] == count["server push"] + count["fanout"]


def test_json_on_stdout_stays_locusts_and_the_summary_is_not_lost(own_demo):
    result = run_totals_locustfile(own_demo, "--json", users=5, seconds=2)
    entries = json.loads(result.stdout)  # stdout is one JSON document, Locust's list of entries
    assert {entry["name"] for entry in entries} >= {"connect /echo", "echo", "send"}
    assert "locust-ws: WebSocket metrics" in result.stderr  # our table, where Locust's logs go
