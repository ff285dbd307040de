"""Breakpoint run: add connections step by step until the server breaks, then report how many it
sustained.

    locust -f locustfiles/breakpoint.py --headless

Every 10 s another 25 users connect to ``/echo`` (at 25 per second) and send one request a second;
at the end of each step the master judges the stop conditions over the whole cluster. The first
step that ends with one of them true is the breakpoint: the run stops and the summary (console,
``--ws-json``, ``--html``) says, for example:

    Breakpoint: sustained 500 users (connect_p95_ms 4.1 ms, handshake_failure_rate 0.00%,
    open_connections 500, ...)
      broke at 525 users after 210 s: handshake_failure_rate>1%

To see it break quickly, start the demo server at capacity and aim at it:

    locust-ws-demo --port 8765 --max-connections 120 &
    locust -f locustfiles/breakpoint.py --headless --host ws://127.0.0.1:8765 \\
        --ws-server-metrics http://127.0.0.1:8765/metrics

With ``--ws-server-metrics`` a server series can be a stop condition too
(``server:process_open_fds>10000``), and the snapshot at the last sustained step has its values.
"""

import echo
from locust import constant_pacing

from locust_ws import Breakpoint


class SteadyEchoUser(echo.EchoUser):
    """``echo.py``'s round trips, one a second: the load grows with the users, not their pace."""

    wait_time = constant_pacing(1.0)


class FindTheLimit(Breakpoint):
    step = 25
    step_time = "10s"
    max_users = 5_000
    stop_when = ["handshake_failure_rate>1%", "connect:p95>1000ms", "close_code_1006>0"]
