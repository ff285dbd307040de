"""What a server does with a slow consumer, judged from the clients' side.

Some users read slower than the server sends (``receive_rate``), so the server's send buffers fill
and it has to choose: wait for the reader (backpressure: messages arrive late, none lost, and the
server sends no faster than the reader reads), drop what does not fit (gaps in the sequence),
disconnect the slow reader (a close code, or a loss), or buffer without bound (the lag keeps
growing with the run, and so does the server's memory). ``ReaderStats`` is what one user saw and
``slow_consumer_verdict`` names the behaviour; pure, so it works on any server whose messages
carry a sequence number and a ``server_ts``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

UNBOUNDED_LAG_SHARE = 0.5
"""A lag above this share of the time read slowly reads as a queue that only grows."""


@dataclass
class ReaderStats:
    """One user's reading: messages ``received``, ``missed`` (gaps in the sequence numbers),
    the largest receive lag (``server_ts`` age at read) in ms, and how its connection ended
    (``close_code``, ``None`` while open)."""

    received: int = 0
    missed: int = 0
    max_lag_ms: float = 0.0
    close_code: int | None = None
    last_seq: int | None = None

    def saw(self, seq: int) -> None:
        """Count a message with sequence number ``seq``; a jump counts the skipped ones missed."""
        if self.last_seq is not None and seq > self.last_seq + 1:
            self.missed += seq - self.last_seq - 1
        self.last_seq = seq if self.last_seq is None else max(seq, self.last_seq)
        self.received += 1


def slow_consumer_verdict(readers: Iterable[ReaderStats], read_for_s: float) -> str:
    """What the server did to the slow ``readers`` over ``read_for_s`` seconds of slow reading."""
    readers = list(readers)
    if not readers:
        return "no slow reader ran"
    closed = sorted({reader.close_code for reader in readers if reader.close_code is not None})
    missed = sum(reader.missed for reader in readers)
    max_lag_s = max(reader.max_lag_ms for reader in readers) / 1000.0
    if closed:
        codes = ", ".join(str(code) for code in closed)
        return f"disconnects slow consumers (close codes {codes}); {missed} messages missed before that"
    if missed:
        return f"drops messages for slow consumers: {missed} missed, receive lag up to {max_lag_s:.1f} s"
    if max_lag_s > UNBOUNDED_LAG_SHARE * read_for_s:
        return (
            f"buffers for slow consumers without bound: nothing missed, but the receive lag grew to "
            f"{max_lag_s:.1f} s in {read_for_s:.0f} s"
        )
    return (
        f"waits for slow consumers (backpressure): nothing missed, receive lag up to {max_lag_s:.1f} s; "
        "the server sends no faster than they read"
    )
