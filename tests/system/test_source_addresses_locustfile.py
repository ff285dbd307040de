"""``locustfiles/source_addresses.py`` as shipped: its users spread over four loopback source
addresses, as the demo server counts them."""

from __future__ import annotations

import re

from .test_locustfiles import run_locust


def test_the_locustfile_spreads_its_users_over_four_addresses():
    result = run_locust(
        "source_addresses.py",
        *("-u", "40", "-r", "40", "-t", "4s", "--only-summary"),
        *("--ws-source-addresses", "127.0.0.12/31,127.0.0.14/31"),
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    line = re.search(r"Server-side TCP connections by client address: (.*)", output)
    assert line, output
    counts = dict(re.findall(r"(\d+\.\d+\.\d+\.\d+) x (\d+)", line.group(1)))
    # 10 users per address, each with one HTTP and one WebSocket connection.
    assert {address: int(counts[address]) for address in counts if address != "127.0.0.1"} == {
        "127.0.0.12": 20,
        "127.0.0.13": 20,
        "127.0.0.14": 20,
        "127.0.0.15": 20,
    }
