"""Start the embedded demo server when a run targets no host.

With no ``--host`` and no ``host`` on the user classes, the master (or the single local process)
starts ``locust_ws.demo`` as a child process on a free loopback port, points every user class at it
and stops it when Locust quits. Workers get the host from the master as usual. This is what lets
``locust -f locustfiles/chat.py --headless ...`` run a real test with nothing else installed.
"""

from __future__ import annotations

import atexit
import logging
from typing import Any

from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from .users.realtime import RealtimeUser

logger = logging.getLogger(__name__)


def needs_demo_server(environment: Environment) -> bool:
    """True when some WebSocket user class has nowhere to connect to and this process leads the run."""
    if environment.host or isinstance(environment.runner, WorkerRunner):
        return False
    return any(
        issubclass(user_class, RealtimeUser) and not user_class.host
        for user_class in environment.user_classes
    )


def demo_problems(environment: Environment) -> list[str]:
    """Why the demo server cannot start in this process. A master with Locust's ``--otel`` cannot
    fork a child: after Locust's OpenTelemetry set-up, beside the master's ZeroMQ threads, even a
    plain ``subprocess.Popen`` never returns from the fork (Locust 2.47, OpenTelemetry SDK 1.45;
    OpenTelemetry registers at-fork handlers), so it gets this error instead of a hang."""
    if (
        needs_demo_server(environment)
        and isinstance(environment.runner, MasterRunner)
        and getattr(environment.parsed_options, "otel", False)
    ):
        return [
            "a master with --otel cannot start the demo server (its fork hangs): start it with "
            "`python -m locust_ws.demo --port 8765` and pass --host ws://127.0.0.1:8765"
        ]
    return []


def start_demo_if_needed(environment: Environment) -> None:
    """Start the demo server and point the run at it when ``needs_demo_server``. The demo package
    (a gevent WSGI server and its routes) is imported only here, never by a run that has a host."""
    if not needs_demo_server(environment):
        return
    from .demo.process import start_demo_process, stop_demo_process

    process, url = start_demo_process()
    environment.host = url
    for user_class in environment.user_classes:
        if not user_class.host:
            user_class.host = url
    logger.info("No host given: started the locust-ws demo server at %s (pid %s)", url, process.pid)

    def stop(**_kwargs: Any) -> None:
        stop_demo_process(process)

    environment.events.quit.add_listener(stop)
    atexit.register(stop)
