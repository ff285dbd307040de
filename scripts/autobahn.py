"""Run the Autobahn|Testsuite fuzzingserver against locust-ws's own WebSocket client.

Why: since locust-ws frames WebSockets itself (``frames.FrameParser`` behind ``wire.WireSocket``)
instead of leaving it to websocket-client, nothing but our own unit tests says it speaks RFC 6455
correctly. The fuzzingserver is the conformance suite trusted WebSocket libraries run against
their clients: framing, ping/pong, reserved bits, opcodes, fragmentation, UTF-8, close handling,
limits and permessage-deflate (517 cases). A load tester that mis-parses a frame reports the
server's bug that is really ours, so this suite is the evidence that it does not.

What it does: starts ``wstest -m fuzzingserver`` in a temporary folder on a free port (listening
for us on 127.0.0.1, the only address it is ever sent to), runs every selected case through a
``WebSocketSession`` that echoes each message back with its own opcode (text as text, binary as
binary: the protocol every fuzzingserver client follows), asks the server to write its reports,
reads ``reports/clients/index.json`` and prints per case group (1.x ... 13.x) the count of each
behaviour, then every FAILED or NON-STRICT case with its description, expectation and result.

The echo uses the public API only (``on_message`` + ``send``), so the driver keeps working while
modules move: handlers get ``str`` for text and ``bytes`` for binary, and ``send`` sends ``str``
as text and ``bytes`` as binary. The one thing it loses is text that parses as a JSON object or
array: handlers get the parsed value, and its original bytes are gone. Such messages are echoed
re-encoded and counted as ``inexact`` per case (no case in 1.x-11.x sends any); ``--echo raw``
instead hooks the internal ``WebSocketSession._on_data(opcode, payload)`` to echo the frame
byte for byte, to tell a client bug from an artefact of the public API.

Cases 12.x and 13.x exchange permessage-deflate messages (RFC 7692), which the client offers
only when asked: ``--compression auto`` (the default) offers it on those cases alone, so 1.x-11.x
keep testing the uncompressed path; ``deflate`` offers it on every case, ``off`` on none (12.x
and 13.x are then UNIMPLEMENTED). The server picks each 13.x case's parameters (no context
takeover, 9- and 15-bit windows); our offer is a browser's, which lets it.

Exit codes: 0 when no selected case is FAILED or NON-STRICT, 1 when one is, 2 when the suite could
not run (no wstest, the server did not start, no case matched).

    python scripts/autobahn.py                          # all 517 cases
    python scripts/autobahn.py --skip '12.*,13.*'       # without permessage-deflate
    python scripts/autobahn.py --cases '12.*,13.*'      # only permessage-deflate
    python scripts/autobahn.py --cases '6.4.*' --json result.json

wstest comes from ``scripts/install-autobahn.sh`` (``$HOME/.local/autobahn/bin/wstest``) or
``$AUTOBAHN_WSTEST``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import gevent
import locust  # noqa: F401 - gevent's monkey patching, as in a real Locust run
from locust.event import EventHook

from locust_ws import WebSocketSession

AGENT = "locust-ws"
WSTEST_ENV = "AUTOBAHN_WSTEST"
DEFAULT_WSTEST = Path.home() / ".local" / "autobahn" / "bin" / "wstest"
BEHAVIORS = ("OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED")
FAILING = ("FAILED", "NON-STRICT")
"""The behaviours that fail the run: the client broke the RFC (FAILED) or did the right thing
too late (NON-STRICT, e.g. invalid UTF-8 detected only when the message completed)."""
HOST = "127.0.0.1"
DEFLATE_GROUPS = frozenset({12, 13})
"""The case groups that need permessage-deflate: ``--compression auto`` offers it there."""


class SuiteError(Exception):
    """The suite could not run at all (exit code 2), as opposed to cases failing."""


def find_wstest() -> str | None:
    """The wstest to run: ``$AUTOBAHN_WSTEST`` when set (and nothing else then, so a wrong setting
    is not silently replaced), else where ``scripts/install-autobahn.sh`` puts it, else PATH.
    Shared with ``tests/system/test_autobahn.py``, so both look in the same places."""
    configured = os.environ.get(WSTEST_ENV)
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    if os.access(DEFAULT_WSTEST, os.X_OK):
        return str(DEFAULT_WSTEST)
    return shutil.which("wstest")


def split_patterns(text: str) -> list[str]:
    """``"1.*, 2.*"`` -> ``["1.*", "2.*"]``: wstest's own case patterns (``*`` is a wildcard)."""
    return [part.strip() for part in text.split(",") if part.strip()]


def case_key(case_id: str) -> tuple[int, ...]:
    """``"9.1.10"`` sorts after ``"9.1.2"``: the order the fuzzingserver numbers its cases in."""
    return tuple(int(part) for part in case_id.split("."))


# -- the fuzzingserver ------------------------------------------------------------------------


def free_port() -> int:
    """A port free on 127.0.0.1 right now (the server binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def fuzzingserver(wstest: str, workdir: Path, cases: Sequence[str], skip: Sequence[str]) -> Iterator[str]:
    """Run ``wstest -m fuzzingserver`` in ``workdir`` with a config selecting ``cases`` minus
    ``skip`` (the server numbers only those, so ``/getCaseCount`` counts the selection), and yield
    its ``ws://127.0.0.1:PORT``. Its embedded web server (port 8080 by default) is turned off; its
    output goes to ``workdir/fuzzingserver.log``. Stopped on exit."""
    port = free_port()
    url = f"ws://{HOST}:{port}"
    spec = {
        "url": url,
        "outdir": "./reports/clients",
        "cases": list(cases),
        "exclude-cases": list(skip),
        "exclude-agent-cases": {},
    }
    (workdir / "fuzzingserver.json").write_text(json.dumps(spec, indent=2) + "\n")
    log_path = workdir / "fuzzingserver.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [wstest, "-m", "fuzzingserver", "-s", "fuzzingserver.json", "--webport", "0"],
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_listening(process, port, log_path)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_listening(process: subprocess.Popen, port: int, log_path: Path, limit: float = 30.0) -> None:
    """Block until the server accepts connections (it takes a second or two to import Twisted)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SuiteError(f"the fuzzingserver exited ({process.returncode}):\n{log_path.read_text()}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
            return
        time.sleep(0.1)
    raise SuiteError(f"the fuzzingserver did not listen on port {port} within {limit:g} s")


# -- our client ---------------------------------------------------------------------------------


@dataclass
class CaseRun:
    """What our side saw of one case (the server's verdict comes from its report)."""

    number: int
    seconds: float = 0.0
    error: str | None = None
    close_code: int | None = None
    close_reason: str = ""
    messages_in: int = 0
    compression: str = ""  # the extensions the server agreed to ("" when none was offered or agreed)
    inexact: int = 0  # JSON-looking text the public API handed over parsed (re-encoded echo)
    events: list[str] = field(default_factory=list)  # failures our session reported


class _RawEchoSession(WebSocketSession):
    """``--echo raw``: the one internal hook, ``_on_data(opcode, payload)`` (what the reader calls
    with every complete data message), echoing the payload byte for byte with its opcode."""

    def _on_data(self, opcode: int, payload: bytes) -> None:
        self.messages_in += 1
        ws = self._ws
        if ws is not None:
            ws.send(payload, opcode)


def _session(
    base_url: str, hook: EventHook, raw: bool = False, compression: bool = False
) -> WebSocketSession:
    """A session as a locustfile would build one, minus what would disturb the cases: no heartbeat
    pings (the server would see unexpected frames) and no reconnect; ``compression`` offers
    permessage-deflate as ``compression = "deflate"`` does."""
    cls = _RawEchoSession if raw else WebSocketSession
    return cls(
        base_url,
        hook,
        None,
        ping_interval=0,
        backoff=None,
        connect_timeout=10,
        close_timeout=5,
        compression="deflate" if compression else None,
    )


def _wait_closed(session: WebSocketSession, limit: float) -> bool:
    """Wait until the server ends the connection (every fuzzingserver command does)."""
    deadline = time.monotonic() + limit
    while session.connected and time.monotonic() < deadline:
        gevent.sleep(0.005)
    return not session.connected


def _failure_recorder(events: list[str]) -> EventHook:
    """A request hook keeping the failures our session reports (protocol errors, handler errors)."""
    hook = EventHook()

    def record(**kwargs: Any) -> None:
        if kwargs.get("exception") is not None:
            events.append(f"{kwargs['name']}: {kwargs['exception']}")

    hook.add_listener(record)
    return hook


def command(base_url: str, path: str, limit: float = 60.0) -> list[Any]:
    """Run one fuzzingserver command (``/getCaseCount``, ``/updateReports``); return the messages it
    sent before closing."""
    messages: list[Any] = []
    session = _session(base_url, EventHook())
    session.on_message(messages.append)
    session.connect(path)
    try:
        if not _wait_closed(session, limit):
            raise SuiteError(f"{path}: the fuzzingserver did not close within {limit:g} s")
    finally:
        session.close()
    return messages


def run_case(
    base_url: str, number: int, limit: float, raw: bool = False, compression: bool = False
) -> CaseRun:
    """Connect to ``/runCase?case=N``, echo every message with its opcode until the server closes
    (or ``limit`` seconds pass), and return what our side saw."""
    run = CaseRun(number)
    session = _session(base_url, _failure_recorder(run.events), raw, compression)

    def echo(message: Any) -> None:
        if not isinstance(message, (str, bytes)):
            run.inexact += 1  # JSON text, parsed; send() re-encodes it (compact JSON, as text)
        session.send(message)

    if not raw:
        session.on_message(echo)
    started = time.monotonic()
    try:
        session.connect(f"/runCase?case={number}&agent={AGENT}")
        if not _wait_closed(session, limit):
            run.error = f"still connected after {limit:g} s"
    except Exception as error:  # noqa: BLE001 - one case's failure is recorded, the suite goes on
        run.error = f"{type(error).__name__}: {error}"
    finally:
        session.close()
    run.seconds = round(time.monotonic() - started, 3)
    run.close_code, run.close_reason = session.close_code, session.close_reason
    run.messages_in = session.messages_in
    run.compression = session.extensions
    return run


def offers_compression(case_id: str, compression: str) -> bool:
    """Whether to offer permessage-deflate on a case: ``auto`` on 12.x and 13.x only."""
    return compression == "deflate" or (compression == "auto" and case_key(case_id)[0] in DEFLATE_GROUPS)


# -- the reports --------------------------------------------------------------------------------


@dataclass
class CaseResult:
    """One case as the fuzzingserver judged it, with what our side saw (``run``)."""

    id: str
    behavior: str
    behavior_close: str
    description: str
    expectation: str
    result: str
    result_close: str
    remote_close_code: int | None
    duration_ms: int
    run: CaseRun | None = None

    @property
    def group(self) -> int:
        return case_key(self.id)[0]


def read_reports(outdir: Path, runs: Sequence[CaseRun]) -> list[CaseResult]:
    """``index.json`` plus each case's own report (description, expectation, result), in case order;
    ``runs`` (in the order they ran, which is case order) are attached to their cases."""
    index_path = outdir / "index.json"
    if not index_path.exists():
        raise SuiteError(f"the fuzzingserver wrote no {index_path}")
    index = json.loads(index_path.read_text()).get(AGENT, {})
    results = []
    for case_id in sorted(index, key=case_key):
        entry = index[case_id]
        report = json.loads((outdir / entry["reportfile"]).read_text())
        results.append(
            CaseResult(
                id=case_id,
                behavior=entry["behavior"],
                behavior_close=entry["behaviorClose"],
                description=report.get("description", ""),
                expectation=report.get("expectation", ""),
                result=report.get("result", ""),
                result_close=report.get("resultClose", ""),
                remote_close_code=entry.get("remoteCloseCode"),
                duration_ms=entry.get("duration", 0),
            )
        )
    if len(results) == len(runs):
        for result, run in zip(results, runs, strict=True):
            result.run = run
    return results


def summarize(results: Sequence[CaseResult], seconds: float, skip: Sequence[str]) -> str:
    """The table per case group, then each FAILED / NON-STRICT case, then the close behaviours."""
    groups: dict[int, Counter[str]] = {}
    for result in results:
        groups.setdefault(result.group, Counter())[result.behavior] += 1
    totals: Counter[str] = Counter(result.behavior for result in results)
    headers = ("group", *BEHAVIORS, "total")
    rows = [
        (f"{group}.x", *(str(counts[b]) for b in BEHAVIORS), str(sum(counts.values())))
        for group, counts in sorted(groups.items())
    ]
    rows.append(("all", *(str(totals[b]) for b in BEHAVIORS), str(len(results))))
    widths = [max(len(row[i]) for row in (headers, *rows)) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.rjust(width) if i else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )

    skipped = f", skipped {', '.join(skip)}" if skip else ""
    out = [f"Autobahn|Testsuite fuzzingserver: {len(results)} cases in {seconds:.1f} s{skipped}", ""]
    out += [line(headers), line(["-" * width for width in widths])]
    out += [line(row) for row in rows[:-1]]
    out += [line(["-" * width for width in widths]), line(rows[-1])]

    failing = [result for result in results if result.behavior in FAILING]
    out += ["", f"FAILED / NON-STRICT: {len(failing) or 'none'}"]
    wrap = textwrap.TextWrapper(width=108, initial_indent="    ", subsequent_indent="      ")
    for result in failing:
        out.append(f"  {result.id}  {result.behavior}  (close: {result.behavior_close})")
        out.append(wrap.fill(f"description: {result.description}"))
        out.append(wrap.fill(f"expectation: {result.expectation}"))
        out.append(wrap.fill(f"result: {result.result}"))
        if result.run is not None:
            ours = f"we: close code {result.run.close_code} {result.run.close_reason!r}"
            if result.run.error:
                ours += f"; {result.run.error}"
            out.append(wrap.fill(ours))

    closes = Counter(result.behavior_close for result in results)
    out += ["", "close behaviour: " + ", ".join(f"{name} {count}" for name, count in closes.most_common())]
    bad_close = [r.id for r in results if r.behavior_close not in ("OK", "INFORMATIONAL", "FAILED BY CLIENT")]
    if bad_close:
        out.append(wrap.fill("close not OK: " + ", ".join(bad_close)))
    inexact = [r.id for r in results if r.run is not None and r.run.inexact]
    if inexact:
        out.append(wrap.fill("echoed re-encoded (JSON text, public API): " + ", ".join(inexact)))
    return "\n".join(out)


# -- the run ------------------------------------------------------------------------------------


def run_suite(
    wstest: str,
    workdir: Path,
    cases: Sequence[str],
    skip: Sequence[str],
    case_timeout: float,
    raw: bool = False,
    progress: Callable[[str], None] | None = None,
    compression: str = "auto",
) -> list[CaseResult]:
    """Everything between starting the server and reading its reports."""
    with fuzzingserver(wstest, workdir, cases, skip) as url:
        count = int(command(url, "/getCaseCount")[0])
        if count == 0:
            raise SuiteError(f"no case matches --cases {','.join(cases)} minus --skip {','.join(skip)}")
        runs = []
        started = time.monotonic()
        for number in range(1, count + 1):
            case_id = command(url, f"/getCaseInfo?case={number}")[0]["id"]
            runs.append(run_case(url, number, case_timeout, raw, offers_compression(case_id, compression)))
            if progress is not None and (number % 50 == 0 or number == count):
                progress(f"{number}/{count} cases, {time.monotonic() - started:.1f} s")
        command(url, f"/updateReports?agent={AGENT}", limit=120)
    return read_reports(workdir / "reports" / "clients", runs)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default="*", help="case patterns to run, e.g. '1.*,2.*' (default: all)")
    parser.add_argument("--skip", default="", help="case patterns to leave out, e.g. '12.*,13.*'")
    parser.add_argument("--wstest", help=f"the wstest to run (default: ${WSTEST_ENV}, then {DEFAULT_WSTEST})")
    parser.add_argument("--case-timeout", type=float, default=60.0, help="seconds one case may take")
    parser.add_argument(
        "--echo",
        choices=("public", "raw"),
        default="public",
        help="public: on_message + send (default); raw: the internal _on_data hook, byte for byte",
    )
    parser.add_argument(
        "--compression",
        choices=("auto", "deflate", "off"),
        default="auto",
        help="offer permessage-deflate on 12.x/13.x (auto, the default), on every case, or never",
    )
    parser.add_argument("--json", type=Path, help="also write every case's result to this file")
    parser.add_argument("--keep", type=Path, help="run in this folder and keep it (the server's reports)")
    args = parser.parse_args(argv)

    wstest = args.wstest or find_wstest()
    if not wstest:
        print(f"wstest not found: run scripts/install-autobahn.sh (or set {WSTEST_ENV})", file=sys.stderr)
        return 2
    cases, skip = split_patterns(args.cases), split_patterns(args.skip)

    def progress(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            workdir = args.keep
        else:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="autobahn-")))
        try:
            results = run_suite(
                wstest,
                workdir,
                cases,
                skip,
                args.case_timeout,
                args.echo == "raw",
                progress,
                args.compression,
            )
        except SuiteError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    seconds = time.monotonic() - started
    failing = [result.id for result in results if result.behavior in FAILING]
    if args.json:
        document = {
            "seconds": round(seconds, 1),
            "cases": cases,
            "skip": skip,
            "echo": args.echo,
            "compression": args.compression,
            "counts": dict(Counter(result.behavior for result in results)),
            "failing": failing,
            "results": [asdict(result) for result in results],
        }
        args.json.write_text(json.dumps(document, indent=1) + "\n")  # first: stdout may be a closed pipe
    print(summarize(results, seconds, skip))
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
