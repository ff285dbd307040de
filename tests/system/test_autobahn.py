"""Our WebSocket client against the Autobahn|Testsuite fuzzingserver, the RFC 6455 and RFC 7692
conformance suite for clients (scripts/autobahn.py drives it; see its docstring for why and how).

Every case run must end OK or INFORMATIONAL: none FAILED, NON-STRICT or UNIMPLEMENTED. The driver
offers permessage-deflate on 12.x and 13.x (``--compression auto``). Those 216 cases send 1000
messages each, up to 128 KiB, compressed both ways: about 10 GB that the fuzzingserver (Python 2,
one core) compresses and inflates, a quarter of an hour on a 2-core machine. So by default this
runs every case of 1.x-10.x and, of each of the twelve 12.x/13.x subgroups (five data sets, seven
parameter sets: context takeover or not, 9- and 15-bit windows), the cases of 16-byte, 1 KiB and
16 KiB messages and of 8 KiB ones fragmented into 256 bytes: 349 cases in under a minute.
``AUTOBAHN_FULL=1`` runs all 517.

wstest comes from scripts/install-autobahn.sh (which .ci/run runs): ``$AUTOBAHN_WSTEST``, else
``$HOME/.local/autobahn/bin/wstest``. Without it these tests skip on a developer machine and
FAIL in CI, so a CI run cannot pass without running the suite.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
DRIVER = ROOT / "scripts" / "autobahn.py"
FULL = bool(os.environ.get("AUTOBAHN_FULL"))
DEFLATE_SUBGROUPS = {12: 5, 13: 7}
"""12.x: five data sets; 13.x: seven parameter sets (of the client's offer and the server's answer)."""
DEFLATE_SAMPLE = (1, 4, 7, 11)
"""Per 12.x/13.x subgroup: 1000 messages of 16 bytes, of 1 KiB, of 16 KiB, and of 8 KiB fragmented
into 256-byte frames.
Named one by one: the fuzzingserver's ``*`` matches any rest of an id (``12.*.1`` takes 12.1.17)."""
CASES = (
    ["*"]
    if FULL
    else [
        *(f"{group}.*" for group in range(1, 11)),
        *(
            f"{group}.{subgroup}.{case}"
            for group, subgroups in DEFLATE_SUBGROUPS.items()
            for subgroup in range(1, subgroups + 1)
            for case in DEFLATE_SAMPLE
        ),
    ]
)
EXPECTED_CASES = 517 if FULL else 301 + 12 * len(DEFLATE_SAMPLE)


def _driver() -> ModuleType:
    """scripts/autobahn.py as a module, for its ``find_wstest`` (one place that knows where)."""
    spec = importlib.util.spec_from_file_location("autobahn_driver", DRIVER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def autobahn(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One run of the cases (about a minute; ``AUTOBAHN_FULL``: all of them), shared by the tests
    below: the driver's JSON document plus its printed ``summary``."""
    wstest = _driver().find_wstest()
    if wstest is None:
        message = "wstest not found: run scripts/install-autobahn.sh (or set AUTOBAHN_WSTEST)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    result_path = tmp_path_factory.mktemp("autobahn") / "autobahn.json"
    # Echo from the reader (`--echo raw`, as the reference driver does): `on_message` handlers run
    # in the session's handler greenlet, so when a good message and a bad frame arrive in one read
    # (cases 3.x, 4.x, 5.15), the reader has failed the connection before a handler could echo.
    command = [sys.executable, str(DRIVER), "--wstest", wstest, "--cases", ",".join(CASES), "--echo", "raw"]
    command += ["--json", str(result_path)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=3600 if FULL else 540, check=False)
    if run.returncode not in (0, 1) or not result_path.exists():
        pytest.fail(f"the driver failed (exit {run.returncode}):\n{run.stdout}\n{run.stderr}")
    document = json.loads(result_path.read_text())
    document["summary"] = run.stdout
    return document


@pytest.mark.timeout(3600 if FULL else 600)
def test_autobahn_runs_every_case_group_with_permessage_deflate_where_it_belongs(autobahn):
    results = autobahn["results"]
    groups = {int(result["id"].split(".")[0]) for result in results}
    assert groups == {1, 2, 3, 4, 5, 6, 7, 9, 10, 12, 13}, autobahn["summary"]
    assert len(results) == EXPECTED_CASES, autobahn["summary"]
    assert autobahn["counts"].get("UNIMPLEMENTED", 0) == 0, autobahn["summary"]
    compressed = {r["id"] for r in results if r["run"]["compression"].startswith("permessage-deflate")}
    assert compressed == {r["id"] for r in results if r["id"].startswith(("12.", "13."))}, autobahn["summary"]
    # every case ran to the server's close, and the echo never had to re-encode a message
    assert [r["id"] for r in results if r["run"] is None or r["run"]["error"]] == [], autobahn["summary"]
    assert [r["id"] for r in results if r["run"]["inexact"]] == [], autobahn["summary"]


@pytest.mark.timeout(3600 if FULL else 600)
def test_autobahn_no_case_failed_or_non_strict(autobahn):
    failing = [
        f"{r['id']} {r['behavior']}: {r['description'][:100]}"
        for r in autobahn["results"]
        if r["id"] in autobahn["failing"]
    ]
    assert failing == [], autobahn["summary"]
