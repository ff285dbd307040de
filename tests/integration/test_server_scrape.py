"""Scraping a real target's Prometheus endpoint (``server_scrape.ServerScraper``): the demo server's
``/metrics``, a target that is down and one that answers garbage."""

from __future__ import annotations

import logging

import pytest
from gevent.pywsgi import WSGIServer

from locust_ws.demo import start_demo_process, stop_demo_process
from locust_ws.metrics.server_health import ServerHealth
from locust_ws.server_scrape import ServerScraper
from locust_ws.sessions.websocket import WebSocketSession

from ..support.hostile_servers import refusing_port


@pytest.fixture
def leaking_demo():
    process, url = start_demo_process(["--leak-connections"])
    yield url
    stop_demo_process(process)


def garbage_app(_environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"<html><body>{not: prometheus}</body></html>\n"]


@pytest.fixture
def garbage_url():
    server = WSGIServer(("127.0.0.1", 0), garbage_app, log=None)
    server.start()
    yield f"http://127.0.0.1:{server.server_port}/metrics"
    server.stop(timeout=1)


def test_the_demo_server_exposes_process_and_connection_series(demo_http):
    scraper = ServerScraper([f"{demo_http}/metrics"], ServerHealth(), users=lambda: 0)
    scraper.scrape()
    series = {row["series"]: row for row in scraper.summary()["series"]}
    assert {"process_open_fds", "process_resident_memory_bytes", "process_cpu_seconds_total"} <= set(series)
    assert series["process_open_fds"]["baseline"] > 0
    assert series["process_resident_memory_bytes"]["baseline"] > 1_000_000
    assert "demo_open_connections" in series
    assert scraper.errors == {}


def test_connections_closed_on_a_leaking_server_keep_their_descriptors(leaking_demo, environment):
    metrics_url = leaking_demo.replace("ws://", "http://") + "/metrics"
    users = [0]
    health = ServerHealth(names=["process_open_fds", "demo_open_connections"], settle_s=1.0)
    scraper = ServerScraper([metrics_url], health, users=lambda: users[0])
    scraper.scrape()
    users[0] = 20
    sessions = [
        WebSocketSession(leaking_demo, environment.events.request, ping_interval=0) for _ in range(20)
    ]
    for session in sessions:
        session.connect("/echo")
    scraper.scrape()
    for session in sessions:
        session.close()
    scraper.settle()
    assert health.leaks(now=float("inf")) == ["process_open_fds"]
    rows = {row["series"]: row for row in scraper.summary()["series"]}
    assert rows["process_open_fds"]["after_drop"] >= rows["process_open_fds"]["baseline"] + 20
    assert rows["demo_open_connections"]["returned"] is True
    assert "did not return (leak?)" in rows["process_open_fds"]["verdict"]


def test_a_target_that_is_down_or_answers_garbage_is_warned_about_once(garbage_url, caplog):
    caplog.set_level(logging.WARNING, logger="locust_ws.server_scrape")
    with refusing_port() as down:
        down_url = down.replace("ws://", "http://") + "/metrics"
        scraper = ServerScraper([down_url, garbage_url], ServerHealth(), users=lambda: 0)
        for _ in range(3):
            scraper.scrape()
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 2, warnings
    assert any(down_url in warning for warning in warnings)
    assert any(garbage_url in warning and "not Prometheus text" in warning for warning in warnings)
    summary = scraper.summary()
    assert summary["series"] == [] and len(summary["errors"]) == 2
