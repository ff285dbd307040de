"""Tags per feed (k6's ``tags``) without sockets: what a tag may be, how events carry them through the
real ``Reporter``, the per-tag rows of the metrics and their bound, the worker report's tagged rows,
``kind{tag:value}`` thresholds, and every report's per-tag rows."""

from __future__ import annotations

import logging

import pytest
from locust import User
from locust.env import Environment

from locust_ws import ConnectError, ThresholdError, WebSocketMetrics
from locust_ws.metrics.collector import OTHER_TAGS, tag_selector
from locust_ws.metrics.summary_types import TagLatency
from locust_ws.metrics.thresholds import evaluate, parse_threshold, parse_thresholds
from locust_ws.redaction import REDACTED
from locust_ws.reports.html import render_section
from locust_ws.reports.summary import format_console, format_csv
from locust_ws.reports.webui import tab_rows
from locust_ws.sessions.events import MAX_TAGS, Kind, make_tags
from locust_ws.users.attributes import tags as tags_problem

from .test_event_contract import reporting

ORDERS = (("feed", "orders"),)
PRICES = (("feed", "prices"),)


# -- what a tag may be -------------------------------------------------------------------------


def test_tags_are_sorted_pairs_of_text_so_equal_tags_are_one_key():
    assert make_tags({"region": "eu", "feed": "orders"}) == (("feed", "orders"), ("region", "eu"))
    assert make_tags({"shard": 3}) == (("shard", "3"),)
    assert make_tags({}) == ()


@pytest.mark.parametrize(
    ("tags", "error", "reason"),
    [
        ({"": "x"}, ValueError, "non-empty"),
        ({"a:b": "x"}, ValueError, "none of"),
        ({" feed": "x"}, ValueError, "no spaces"),
        ({"feed": "a,b"}, ValueError, "no { } , in a value"),
        ({"feed": "x" * 201}, ValueError, "at most 200 characters"),
        ({f"t{number}": "x" for number in range(MAX_TAGS + 1)}, ValueError, "at most 16"),
        ({1: "x"}, TypeError, "no string"),
        (["feed", "orders"], TypeError, "must be a mapping"),
    ],
)
def test_tags_no_selector_could_name_are_refused(tags, error, reason):
    with pytest.raises(error, match=reason):
        make_tags(tags)


def test_a_user_class_attribute_of_bad_tags_is_a_problem_named_before_the_load():
    assert tags_problem({"feed": "orders"}) is None
    assert "expected a dict of tag names to values" in tags_problem({"": "x"})


# -- events carry them -------------------------------------------------------------------------


def test_an_untagged_session_adds_no_key_to_its_events():
    report, _, events = reporting()
    report.fire(Kind.RECV, "recv", None, 10)
    assert events[0]["context"] == {"ws_kind": Kind.RECV}


def test_every_event_of_a_tagged_session_carries_its_tags_and_a_calls_tags_merge_over_them():
    report, metrics, events = reporting()
    report.set_tags({"feed": "orders"})
    report.fire(Kind.PUSH, "server push", 1.5)
    report.fire(Kind.REQUEST, "echo", 0.5, 10, None, report.merged({"op": "subscribe"}), sent_bytes=10)
    report.fire(Kind.SEND, "send", None, 5, None, report.merged({"feed": "prices"}))
    assert [event["context"]["tags"] for event in events] == [
        ORDERS,
        (("feed", "orders"), ("op", "subscribe")),
        PRICES,
    ]
    assert set(metrics.tagged_rows) == {
        ("push", ORDERS),
        ("request", (("feed", "orders"), ("op", "subscribe"))),
        ("send", PRICES),
    }


def test_a_users_own_tags_context_key_is_not_taken_for_the_sessions_tags():
    class Tenant(User):
        abstract = True

        def context(self):
            return {"tenant": "acme", "tags": {"unhashable": "dict"}}

    report, metrics, events = reporting("WS", Tenant(Environment()))
    report.fire(Kind.RECV, "recv", None, 12)
    report.set_tags({"feed": "orders"})
    report.fire(Kind.RECV, "recv", None, 12)
    assert [event["context"].get("tags") for event in events] == [None, ORDERS]
    assert events[0]["context"]["tenant"] == "acme"
    assert set(metrics.tagged_rows) == {("recv", ORDERS)}


def test_credentials_never_reach_a_tag_value():
    report, _, events = reporting()
    report.set_tags({"api_key": "k1", "feed": "orders"})
    report.secrets = frozenset({"s3cr3t-token-value"})
    report.fire(Kind.SEND, "send", None, 5, None, report.merged({"note": "via s3cr3t-token-value"}))
    assert events[0]["context"]["tags"] == (
        ("api_key", REDACTED),
        ("feed", "orders"),
        ("note", f"via {REDACTED}"),
    )


# -- the per-tag rows --------------------------------------------------------------------------


def tagged(metrics, kind, tags, response_time=None, exception=None, name=None):
    metrics.record(
        request_type="WS",
        name=name or str(kind),
        response_time=response_time,
        response_length=0,
        exception=exception,
        context={"ws_kind": kind, "tags": tags},
    )


def test_tagged_rows_split_a_kind_and_a_selector_merges_every_row_whose_tags_include_it():
    metrics = WebSocketMetrics()
    for latency in (1.0, 2.0, 3.0):
        tagged(metrics, Kind.FANOUT, (*ORDERS, ("region", "eu")), latency)
    tagged(metrics, Kind.FANOUT, (*ORDERS, ("region", "us")), 10.0)
    tagged(metrics, Kind.FANOUT, PRICES, 500.0)
    tagged(metrics, Kind.CONNECT, ORDERS, exception=ConnectError("refused"))
    orders = metrics.select_tagged("fanout", ORDERS)
    assert (orders.count, orders.histogram.max_ms) == (4, pytest.approx(10.0, rel=1e-3))
    assert metrics.select_tagged("fanout", (("region", "eu"),)).count == 3
    assert metrics.select_tagged("fanout", (("feed", "nope"),)) is None
    assert metrics.select_tagged("connect", ORDERS).failures == 1
    assert metrics.select("fanout").count == 5  # the untagged rows are unchanged


def test_tag_sets_beyond_the_bound_are_pooled_per_kind_with_one_warning(caplog):
    metrics = WebSocketMetrics(max_tag_sets=3)
    with caplog.at_level(logging.WARNING):
        for user in range(10):
            tagged(metrics, Kind.PUSH, (("user", str(user)),), 1.0)
        tagged(metrics, Kind.SEND, (("user", "9"),))  # another kind has a bound of its own
    assert len(metrics.tagged_rows) == 5
    assert metrics.tagged_rows[("push", OTHER_TAGS)].count == 7
    assert metrics.select_tagged("push", (("user", "9"),)) is None  # pooled, not selectable
    assert len([record for record in caplog.records if "per-tag rows" in record.message]) == 1
    assert tag_selector("push", OTHER_TAGS) == "push{(other tags)}"


def test_tagged_rows_travel_in_the_worker_report_and_merge_on_the_master():
    master = WebSocketMetrics()
    for worker in ("a", "b"):
        store = WebSocketMetrics()
        tagged(store, Kind.FANOUT, ORDERS, 2.0)
        tagged(store, Kind.FANOUT, PRICES, 4.0)
        assert master.merge_report(worker, f"worker {worker}", store.take_report())
        assert store.tagged_rows == {}  # the worker starts afresh
    assert master.select_tagged("fanout", ORDERS).count == 2
    assert master.select_tagged("fanout", PRICES).histogram.count == 2


def test_a_report_of_an_older_worker_without_tagged_rows_still_merges():
    report = WebSocketMetrics().take_report()
    del report["tagged"]
    assert WebSocketMetrics().merge_report("a", "worker 0", report)


@pytest.mark.parametrize(
    "row",
    [
        ["fanout", [["feed", "orders"]], 1, 2, None],  # more failures than events
        ["fanout", [["feed", "orders"]], -1, 0, None],
        ["fanout", [["feed"]], 1, 0, None],
        ["fanout", "feed:orders", 1, 0, None],
        ["fanout", [["feed", 3]], 1, 0, None],
        ["fanout", [["", "x"]], 1, 0, None],
        ["fanout", [["feed", "a"], ["feed", "b"]], 1, 0, None],
        [7, [["feed", "orders"]], 1, 0, None],
        ["fanout", [["feed", "orders"]], 1, 0],
    ],
)
def test_a_malformed_tagged_row_drops_the_whole_report(row):
    store = WebSocketMetrics()
    tagged(store, Kind.FANOUT, ORDERS, 2.0)
    report = store.take_report()
    report["tagged"].append(row)
    master = WebSocketMetrics()
    assert not master.merge_report("a", "worker 0", report)
    assert master.tagged_rows == {} and master.events == 0


# -- thresholds ---------------------------------------------------------------------------------


def test_a_tag_selector_parses_in_k6s_syntax():
    threshold = parse_threshold("fanout{feed:orders}:p99<200ms")
    assert (threshold.metric, threshold.tags, threshold.statistic, threshold.bound) == (
        "fanout",
        ORDERS,
        "p99",
        200.0,
    )
    both = parse_threshold("request{ region : eu , feed:'orders' }:count>10")
    assert both.tags == (("feed", "orders"), ("region", "eu"))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("fanout{feed}:p99<200ms", "'<name>:<value>' pairs"),
        ("fanout{}:p99<200ms", "'<name>:<value>' pairs"),
        ("fanout{:orders}:p99<200ms", "non-empty"),
        ("fanout{feed:orders}<200ms", "add a statistic after the tags"),
        ("fanout{feed:orders}:<200ms", "add a statistic after the tags"),
        ("fanout{feed:orders}:median<200ms", "unknown statistic 'median'"),
        ("fanout{feed:orders:p99<200ms", "one '{...}' after a kind"),
        ("fanout{a:b}{c:d}:p99<200ms", "one '{...}' after a kind"),
        ("echo{feed:orders}:p99<200ms", "tags select within a kind"),
        ("handshakes{feed:orders}>1", "tags select within a kind"),
        ("{feed:orders}:p99<1", "tags select within a kind"),
    ],
)
def test_a_bad_tag_selector_is_refused_with_the_reason(text, reason):
    with pytest.raises(ThresholdError, match=reason.replace("{", r"\{").replace("(", r"\(")):
        parse_threshold(text)


def test_a_tag_selector_judges_only_its_tags_and_a_missing_tag_has_no_samples():
    metrics = WebSocketMetrics()
    for _ in range(20):
        tagged(metrics, Kind.FANOUT, ORDERS, 5.0)
        tagged(metrics, Kind.FANOUT, PRICES, 900.0)
    results = evaluate(
        parse_thresholds(
            [
                "fanout{feed:orders}:p99<200ms",
                "fanout{feed:prices}:p99<200ms",
                "fanout{feed:orders}:count==20",
                "fanout{feed:typo}:count>=0",
                "fanout:p99<200ms",
            ]
        ),
        metrics,
    )
    assert [result.passed for result in results] == [True, False, True, False, False]
    assert results[3].observed_text() == "no samples"


# -- reports -----------------------------------------------------------------------------------


def tagged_summary():
    metrics = WebSocketMetrics()
    tagged(metrics, Kind.FANOUT, ORDERS, 1.25, name="fanout")
    tagged(metrics, Kind.SEND, PRICES, name="publish")
    return metrics.summary()


def test_the_summary_lists_each_kind_and_tags_with_its_selector():
    rows = tagged_summary()["latency_by_tag"]
    assert [(row["selector"], row["count"], row["samples"]) for row in rows] == [
        ("fanout{feed:orders}", 1, 1),
        ("send{feed:prices}", 1, 0),
    ]
    assert rows[0]["tags"] == {"feed": "orders"}
    assert all(set(row) == set(TagLatency.__annotations__) for row in rows)


def test_every_report_shows_the_per_tag_rows():
    summary = tagged_summary()
    console = format_console(summary)
    assert "tag   fanout fanout{feed:orders}" in console and "send{feed:prices}" in console
    assert "\nlatency_by_tag,,fanout,fanout{feed:orders},1,0,1,1.25," in format_csv(summary)
    assert "tag fanout{feed:orders}" in render_section(summary)
    rows = {row["metric"]: row for row in tab_rows(summary)}
    assert rows["tag fanout{feed:orders} [fanout]"]["value"] == 1
