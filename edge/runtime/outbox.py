"""Store-and-forward: the agent's bounded on-disk queue of outgoing messages.

Every message an agent publishes goes through here first, so what is queued survives a crash,
a reboot or a broker outage (paho buffers offline publishes in memory only). The forwarder reads
in order; a crash before the broker's PUBACK re-sends a message, and the receiver's
de-duplication makes that harmless. A PUBACK does not end a message's stay either: Mosquitto
acknowledges a QoS-1 publish before it saves it, so a message the broker acknowledged is *kept*
(stamped with the time of its PUBACK) until the forwarder has seen the broker alive long enough
to have saved it, and published again after every reconnect meanwhile (:meth:`kept`,
:meth:`forget_acknowledged`; retained messages are the latest state, never replayed, so they go
at their PUBACK). When the bound is hit, kept messages go first, then the oldest unsent ones,
which are counted and reported as dropped, by mission and stream.

Numbers: there is one counter per mission and stream (:mod:`edge.runtime.tallies`): each
mission's telemetry is numbered from 0 (the samples taken on ``standby`` before it have numbers
of their own). The counters move in memory and are written with the messages they numbered.

A write the disk refuses (full, an I/O error) is not lost: it waits in memory, in order, in a
bounded :class:`~edge.runtime.backlog.Backlog`, and is tried again with a capped backoff before
anything newer; only when that is full too do the oldest messages go, each counted. Meanwhile
the moved counters are also kept in a file set aside at start (:mod:`edge.runtime.highwater`),
so a number given is never given again, even after a crash on a full disk.

SQLite in WAL mode: a committed transaction survives the process being killed.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from edge.runtime.backlog import Acks, Backlog, Meta, Removal, Rows, Write
from edge.runtime.highwater import HighWater
from edge.runtime.outbox_tables import apply, open_outbox, trim
from edge.runtime.retry import Backoff
from edge.runtime.tallies import COUNT, DROP, SEQ, MissionTally, Tallies, name, split

logger = logging.getLogger(__name__)

BACKLOG_LIMIT = 50_000
"""Messages held in memory while the disk refuses writes: minutes of a vehicle's telemetry."""
FLUSH_ROWS = 2_000
"""Held messages written per transaction once the disk takes writes again."""
SAY_DROPS_EVERY = 5.0
"""Seconds between two log lines about messages dropped (each one is counted)."""
DROPPED = "dropped"
"""The counter of every message the agent dropped, since the outbox was made."""
_BUGS = (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.NotSupportedError)
"""Errors of the code, not the disk: raised, never held for a retry that cannot succeed."""


@dataclass(frozen=True)
class Queued:
    id: int
    topic: str
    payload: bytes
    retain: bool


@dataclass
class OutboxStats:
    """How the disk has treated the outbox since the agent started."""

    write_failures: int = 0
    """Transactions the disk refused."""
    held_total: int = 0
    """Messages that had to wait in memory."""
    dropped_full: int = 0
    """Messages dropped because the memory was full too."""


_COLUMNS = "id, topic, payload, retain"


def _queued(row: tuple[int, str, bytes, int]) -> Queued:
    return Queued(row[0], row[1], bytes(row[2]), bool(row[3]))


class Outbox:
    """A FIFO of (topic, payload, retain) on disk, at most ``capacity`` messages long."""

    def __init__(
        self,
        path: Path,
        capacity: int = 100_000,
        *,
        backlog: int = BACKLOG_LIMIT,
        backoff: Backoff | None = None,
    ) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.path = path
        self.capacity = capacity
        self.stats = OutboxStats()
        self._db = open_outbox(path)
        self._lock = threading.Lock()
        self._ready = threading.Condition(self._lock)
        self._tallies = Tallies(self._stored_counter)
        self._backlog = Backlog(backlog)
        self._backoff = backoff or Backoff()
        self._failing_since: float | None = None
        self._unsaid_drops = 0
        self._drops_said = float("-inf")
        self._highwater = HighWater(path.with_suffix(".hwm"))
        self._resume_numbers()

    # --- numbers ------------------------------------------------------------------------------

    def _stored_counter(self, counter: str) -> int:
        row = self._db.execute("SELECT value FROM counters WHERE name = ?", (counter,)).fetchone()
        return 0 if row is None else int(row[0])

    def _resume_numbers(self) -> None:
        """Never give a number twice: numbers given while the disk was full and lost in a
        crash are skipped, and counted as dropped by the agent."""
        with self._lock:
            for counter, value in self._highwater.read().items():
                moved = self._tallies.raise_to(counter, value)
                parts = split(counter)
                if moved and parts is not None and parts[0] == SEQ:
                    _, mission, stream = parts
                    self._tallies.add(name(DROP, mission, stream), moved)
                    self._tallies.add(DROPPED, moved)
                    logger.error(
                        "%d %s messages of %s numbered but never written (a crash while the "
                        "disk was full); their numbers are not given again",
                        moved,
                        stream,
                        mission,
                    )
            if self._tallies.dirty():
                self._commit([])

    def count(self, mission: str, what: str, n: int = 1) -> None:
        """Count ``n`` of ``what`` (frames read, refused...) for ``mission``; written with the
        next transaction."""
        with self._lock:
            self._tallies.add(name(COUNT, mission, what), n)

    def tally(self, mission: str) -> MissionTally:
        """What the counters say of ``mission``: numbered and dropped per stream, counts."""
        with self._lock:
            stored = self._db.execute("SELECT name, value FROM counters").fetchall()
            return self._tallies.mission(mission, stored)

    # --- queueing -----------------------------------------------------------------------------

    def append(
        self,
        stream: str,
        build: Callable[[int], Iterable[tuple[str, bytes, bool]]],
        *,
        mission: str,
        answers: str | None = None,
    ) -> None:
        """Queue the messages ``build(first_seq)`` returns, numbered from ``first_seq``.

        Each ``stream`` (telemetry, events, acks, ...) of each ``mission`` has its own gap-free
        counter from 0, so a receiver can prove it lost nothing of it; every message queued
        consumes one number, and counter and messages are committed together. The messages must
        carry ``mission``. With ``answers``, the (single) message is
        also journalled as the answer to that command id, in the same transaction: a command is
        never answered twice differently, even across a crash. ``build`` runs under the outbox
        lock: it must not call the outbox itself.
        """
        counter = name(SEQ, mission, stream)
        with self._lock:
            seq = self._tallies.get(counter)
            rows = [(topic, payload, int(retain)) for topic, payload, retain in build(seq)]
            if not rows:
                return
            self._tallies.add(counter, len(rows))
            self._write(Rows(mission, stream, rows, answers))

    def requeue(self, topic: str, payload: bytes) -> None:
        """Queue an exact copy of a message sent before (a repeated answer)."""
        with self._lock:
            self._write(Rows(None, None, [(topic, payload, 0)]))

    def answer_to(self, command_id: str) -> tuple[str, bytes] | None:
        """The journalled answer to a command id seen before, if any."""
        with self._lock:
            for write in reversed(self._backlog.writes):
                if isinstance(write, Rows) and write.answers == command_id:
                    return write.rows[0][0], write.rows[0][1]
            row = self._db.execute(
                "SELECT topic, payload FROM answered WHERE command_id = ?", (command_id,)
            ).fetchone()
        return None if row is None else (row[0], bytes(row[1]))

    # --- writing, or holding in memory what the disk refuses -----------------------------------

    def _write(self, write: Write) -> None:
        """Commit ``write`` after what waits before it, or keep it waiting (under the lock)."""
        if self._backlog and self._backoff.due():
            self._flush()
        if not self._backlog and self._commit([write]):
            return
        self._hold(write)

    def _hold(self, write: Write) -> None:
        if isinstance(write, Rows):
            self.stats.held_total += len(write.rows)
        for lost in self._backlog.add(write):
            self._count_dropped(lost.mission, lost.stream, len(lost.rows))
            self.stats.dropped_full += len(lost.rows)
            self._unsaid_drops += len(lost.rows)
        if self._unsaid_drops and time.monotonic() - self._drops_said >= SAY_DROPS_EVERY:
            logger.error(
                "%s: %d messages dropped (%d in all): the disk refuses writes and the memory "
                "holds no more than %d",
                self.path.name,
                self._unsaid_drops,
                self.stats.dropped_full,
                self._backlog.limit,
            )
            self._unsaid_drops = 0
            self._drops_said = time.monotonic()
        self._keep_highwater()

    def _flush(self) -> None:
        """Write what waits, oldest first, a transaction at a time, until the disk refuses."""
        written = 0
        while self._backlog:
            writes = self._backlog.take(FLUSH_ROWS)
            if not self._commit(writes):
                return
            rows = sum(len(w.rows) for w in writes if isinstance(w, Rows))
            written += rows
            self._backlog.done(len(writes))
        if self._failing_since is not None:
            logger.warning(
                "%s: the disk takes writes again after %.1f s; %d held messages written",
                self.path.name,
                time.monotonic() - self._failing_since,
                written,
            )
            self._failing_since = None

    def flush(self) -> bool:
        """Try now to write what waits in memory; whether nothing waits any more."""
        with self._lock:
            if self._backlog:
                self._flush()
            return not self._backlog

    def _commit(self, writes: Sequence[Write]) -> bool:
        """``writes`` and the moved counters in one transaction; ``False`` if the disk
        refused it (nothing of it written, the failure counted)."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for write in writes:
                    apply(self._db, write)
                self._trim()
                self._db.executemany(
                    "INSERT OR REPLACE INTO counters VALUES (?, ?)",
                    list(self._tallies.dirty().items()),
                )
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:  # a failed COMMIT may have rolled back already
                    self._db.execute("ROLLBACK")
                raise
        except _BUGS:
            raise
        except sqlite3.DatabaseError as exc:
            self._failed(exc)
            return False
        self._tallies.committed()
        self._backoff.succeeded()
        if any(isinstance(w, Rows) for w in writes):
            self._ready.notify_all()
        return True

    def _failed(self, exc: sqlite3.DatabaseError) -> None:
        self.stats.write_failures += 1
        self._backoff.failed()
        if self._failing_since is None:
            self._failing_since = time.monotonic()
            logger.error(
                "%s: the disk refuses writes (%s); holding messages in memory (up to %d)",
                self.path.name,
                exc,
                self._backlog.limit,
            )

    def _keep_highwater(self) -> None:
        dirty = self._tallies.dirty()
        if dirty:
            self._highwater.write(dirty)

    def _trim(self) -> None:
        for mission, stream, count in trim(self._db, self.capacity):
            self._count_dropped(mission, stream, count)

    def _count_dropped(self, mission: str | None, stream: str | None, count: int) -> None:
        self._tallies.add(DROPPED, count)
        if mission is not None and stream is not None:
            self._tallies.add(name(DROP, mission, stream), count)

    # --- reading, acknowledging ---------------------------------------------------------------

    def peek(self, limit: int, timeout: float | None = None, after: int = 0) -> list[Queued]:
        """The oldest ``limit`` messages not acknowledged yet with an id above ``after``,
        waiting up to ``timeout`` s for one to arrive."""
        with self._lock:
            rows = self._select(limit, after)
            if not rows and timeout:
                self._ready.wait(timeout)
                rows = self._select(limit, after)
        return [_queued(row) for row in rows]

    def _select(self, limit: int, after: int) -> list[tuple[int, str, bytes, int]]:
        return self._db.execute(
            f"SELECT {_COLUMNS} FROM outbox WHERE id > ? AND acked IS NULL ORDER BY id LIMIT ?",
            (after, limit),
        ).fetchall()

    def kept(self, limit: int, after: int = 0) -> list[Queued]:
        """The oldest ``limit`` acknowledged messages still kept, with an id above ``after``:
        what to publish again after a reconnect, in their original order."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM outbox WHERE id > ? AND acked IS NOT NULL "
                "ORDER BY id LIMIT ?",
                (after, limit),
            ).fetchall()
        return [_queued(row) for row in rows]

    def acknowledge(self, ids: Iterable[int], at: float) -> None:
        """Record the broker's PUBACK of messages at time ``at``: kept until
        :meth:`forget_acknowledged` is told the broker has saved them; retained ones (the
        latest state, never replayed over a newer one) are forgotten now."""
        with self._lock:
            self._write(Acks(list(ids), at))

    def forget_acknowledged(self, before: float) -> int:
        """Drop kept messages acknowledged before ``before``; how many went (none while
        writes wait in memory: the next sweep tries again)."""
        with self._lock:
            if self._backlog:
                return 0
            try:
                cursor = self._db.execute(
                    "DELETE FROM outbox WHERE acked IS NOT NULL AND acked < ?", (before,)
                )
            except _BUGS:
                raise
            except sqlite3.DatabaseError as exc:
                self._failed(exc)
                return 0
            return cursor.rowcount

    def remove(self, ids: Iterable[int]) -> None:
        """Forget messages for good (ones the broker refused)."""
        with self._lock:
            self._write(Removal(list(ids)))

    def meta(self, name: str) -> str | None:
        """A small value the agent keeps across restarts (the current mission id)."""
        with self._lock:
            for write in reversed(self._backlog.writes):
                if isinstance(write, Meta) and write.name == name:
                    return write.value
            row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, name: str, value: str) -> None:
        with self._lock:
            self._write(Meta(name, value))

    def depth(self) -> int:
        """Messages waiting for the broker's PUBACK (kept ones not counted), those waiting in
        memory for the disk included."""
        with self._lock:
            row = self._db.execute("SELECT COUNT(*) FROM outbox WHERE acked IS NULL").fetchone()
            return int(row[0]) + self._backlog.rows

    def held(self) -> int:
        """Messages waiting in memory for the disk to take them."""
        with self._lock:
            return self._backlog.rows

    def kept_count(self) -> int:
        """Acknowledged messages kept for a replay."""
        with self._lock:
            row = self._db.execute("SELECT COUNT(*) FROM outbox WHERE acked IS NOT NULL").fetchone()
            return int(row[0])

    def dropped(self) -> int:
        """Messages the agent dropped (the bound, or a full disk with a full memory)."""
        with self._lock:
            return self._tallies.get(DROPPED)

    def wake(self) -> None:
        """Release a forwarder waiting in :meth:`peek` (at shutdown)."""
        with self._lock:
            self._ready.notify_all()

    def close(self) -> None:
        """Write what waits in memory if the disk takes it, then close; what it did not take
        is said (its numbers stay given: the high-water mark has them)."""
        with self._lock:
            if self._backlog:
                self._flush()
            if self._backlog:
                logger.error(
                    "%s: closing with %d messages the disk did not take: lost",
                    self.path.name,
                    self._backlog.rows,
                )
                self._keep_highwater()
            self._db.close()
