"""Idle sweeps: find the idle timeout of the path between the users and the server.

Load balancers, gateways and proxies end connections that carry nothing for a while (AWS ALB 60 s
by default, nginx's ``proxy_read_timeout`` 60 s, many corporate proxies less), and a realtime
client that goes quiet for longer than that loses its socket. ``IdleSweepUser`` measures it: its
users hold connections idle (no pings, no messages) for increasing durations, one duration per
user round-robin by ``user_index``, and report each hold as an ``idle <duration>s`` row: a success
when the connection survived the hold and its first message after it, a failure saying how it died
otherwise (closed by the server with which code, lost without a close frame, the first send or its
reply failing) with the time until it died. ``idle_groups`` reads those rows back from Locust's
stats (on the master too) and ``idle_timeout_verdict`` names the timeout. Pure functions but for
the user class.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any, ClassVar

from locust import task
from locust.exception import StopUser

from ..errors import IdleDisconnect, WebSocketError
from ..protocol.codes import CloseCode
from ..users import attributes
from ..users.attributes import Check
from ..users.websocket import WebSocketUser

ROW_PREFIX = "idle "
_REASON_LIMIT = 40
_ERROR_REPR = re.compile(r"^\w+\((['\"])(?P<text>.*)\1,?\)$")


def hold_label(duration_s: float) -> str:
    """The stats row of the holds of ``duration_s`` seconds: ``idle 30s``."""
    return f"{ROW_PREFIX}{duration_s:g}s"


def death_text(close_code: int | None, close_reason: str) -> str:
    """How a held connection ended, as a stable failure text (one failure row per way to die)."""
    if close_code is None or close_code == CloseCode.ABNORMAL:
        return "lost: 1006 without a close frame"
    reason = "".join(char for char in close_reason if char.isprintable())[:_REASON_LIMIT]
    return f"closed by the server with {close_code}" + (f" ({reason})" if reason else "")


@dataclass(frozen=True)
class IdleGroup:
    """The holds of one duration: how many there were, how many survived, and how the others
    died (failure text -> count), the earliest of them after ``first_death_s`` seconds."""

    duration_s: float
    holds: int
    survived: int
    deaths: dict[str, int] = field(default_factory=dict)
    first_death_s: float | None = None


def idle_timeout_verdict(groups: Iterable[IdleGroup]) -> str:
    """One sentence naming the idle timeout of the path: between the longest duration every hold
    survived and the shortest one some hold did not, with the earliest death as the estimate."""
    held = sorted((group for group in groups if group.holds), key=lambda group: group.duration_s)
    if not held:
        return "no idle hold finished"
    dying = [group for group in held if group.deaths]
    if not dying:
        return f"no idle timeout up to {held[-1].duration_s:g} s: every connection survived every hold"
    shortest = dying[0].duration_s
    survived = [group.duration_s for group in held if not group.deaths and group.duration_s < shortest]
    first_death = min(group.first_death_s or group.duration_s for group in dying)
    ways: Counter[str] = Counter()
    for group in dying:
        ways.update(group.deaths)
    lower = f"holds of {max(survived):g} s survived, " if survived else ""
    return (
        f"idle timeout of the path: about {first_death:.1f} s ({lower}holds of {shortest:g} s "
        f"and longer died, mostly {ways.most_common(1)[0][0]})"
    )


def format_idle_sweep(groups: Sequence[IdleGroup]) -> str:
    """The sweep as a table, one line per duration, and the verdict under it."""
    lines = ["Idle sweep", "idle for  holds  survived  died after  how they died"]
    for group in sorted(groups, key=lambda group: group.duration_s):
        died = "-" if group.first_death_s is None else f"{group.first_death_s:.1f} s"
        how = "; ".join(f"{text} x {count}" for text, count in sorted(group.deaths.items())) or "-"
        lines.append(f"{group.duration_s:>6g} s  {group.holds:>5}  {group.survived:>8}  {died:>10}  {how}")
    lines.append(idle_timeout_verdict(groups))
    return "\n".join(lines)


def idle_groups(stats: Any) -> list[IdleGroup]:
    """The ``idle <duration>s`` rows of Locust's ``RequestStats`` (``environment.stats``, the
    aggregate on a master) as groups: counts from the rows, death texts from its errors, and the
    earliest death from the row's fastest failure (a survivor held the full duration)."""
    deaths: dict[str, Counter[str]] = {}
    for error in stats.errors.values():
        if error.name.startswith(ROW_PREFIX):
            text = _error_text(error.error)
            deaths.setdefault(error.name, Counter())[text] += error.occurrences
    groups = []
    for (name, _method), entry in stats.entries.items():
        if not name.startswith(ROW_PREFIX):
            continue
        try:
            duration_s = float(name.removeprefix(ROW_PREFIX).removesuffix("s"))
        except ValueError:
            continue
        failed = entry.num_failures
        fastest_s = None if entry.min_response_time is None else entry.min_response_time / 1000.0
        groups.append(
            IdleGroup(
                duration_s=duration_s,
                holds=entry.num_requests,
                survived=entry.num_requests - failed,
                deaths=dict(deaths.get(name, {})),
                first_death_s=fastest_s if failed else None,
            )
        )
    return groups


def _error_text(error: BaseException | str) -> str:
    """A failure's text: the exception's own in the process that raised it, parsed back out of
    ``IdleDisconnect('...')`` in what a master received from its workers."""
    if isinstance(error, BaseException):
        return str(error)
    match = _ERROR_REPR.match(error)
    return match["text"] if match else error


def _durations_problem(value: Any) -> str | None:
    """``idle_durations``: a non-empty list or tuple of seconds > 0."""
    if (
        isinstance(value, (list, tuple))
        and value
        and all(attributes.positive_seconds(v) is None for v in value)
    ):
        return None
    return "expected a non-empty list or tuple of seconds > 0"


class IdleSweepUser(WebSocketUser):
    """Holds its connection idle for ``idle_durations[user_index % len(idle_durations)]`` seconds,
    ``holds`` times, then stops. Subclass it with the ``path`` (and ``host``) to sweep; run at least
    as many users as durations, for ``max(idle_durations)`` seconds and a margin."""

    abstract = True
    ping_interval = 0.0  # an idle hold sends nothing, WebSocket pings included
    reconnect = False  # a death is the measurement, not something to repair
    idle_durations: ClassVar[Sequence[float]] = (30, 60, 120, 240, 480)
    """Seconds of silence per group of users; the sweep's resolution."""
    holds: ClassVar[int] = 1
    """Holds per user before it stops."""
    idle_probe: ClassVar[Any] = {"op": "echo"}
    """Sent after the hold, proving the path still carries messages (a silently dropped
    connection only fails on its first send); ``None`` sends nothing."""
    idle_probe_reply: ClassVar[bool] = True
    """Wait for the reply correlated with the probe (``request``) rather than only send it."""
    attribute_checks: ClassVar[dict[str, Check]] = {
        **WebSocketUser.attribute_checks,
        "idle_durations": _durations_problem,
        "holds": lambda value: attributes.count(value) or (None if value else "expected at least 1"),
        "idle_probe_reply": attributes.flag,
    }

    def on_start(self) -> None:
        self._holds_done = 0
        super().on_start()

    @task
    def hold_idle(self) -> None:
        """One hold: connect if needed, stay silent, report how the connection fared."""
        duration_s = float(self.idle_durations[self.user_index % len(self.idle_durations)])
        if not self.client.connected:
            self.client.connect(self.path, headers=self.headers, subprotocols=self.subprotocols)
        started = perf_counter()
        failure: IdleDisconnect | None = None
        if self.client.wait_closed(duration_s):
            failure = IdleDisconnect(death_text(self.client.close_code, self.client.close_reason))
        else:
            failure = self._probe()
        held_s = perf_counter() - started if failure is not None else duration_s
        self.environment.events.request.fire(
            request_type="WS",
            name=hold_label(duration_s),
            response_time=min(held_s, duration_s) * 1000.0,
            response_length=0,
            exception=failure,
            context={},
        )
        self._holds_done += 1
        if self._holds_done >= self.holds:
            raise StopUser()

    def _probe(self) -> IdleDisconnect | None:
        if self.idle_probe is None:
            return None
        name = "first message after idle"
        try:
            if not self.idle_probe_reply:
                self.client.send(self.idle_probe, name=name)
                return None
            reply = self.client.request(self.idle_probe, name=name)
        except WebSocketError as error:
            return IdleDisconnect(f"first send after the hold failed: {error}")
        return (
            None
            if reply.ok
            else IdleDisconnect(f"no reply to the first message after the hold: {reply.error}")
        )
