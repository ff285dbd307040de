"""Embedded demo server for locust-ws: WebSocket and Socket.IO endpoints to load-test against."""

from .process import start_demo_process, stop_demo_process
from .server import DemoServer

__all__ = ["DemoServer", "start_demo_process", "stop_demo_process"]
