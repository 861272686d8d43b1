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
which are counted and reported as dropped. The sequence counters live in the same database and are
advanced in the same transaction as the insert, so sequence numbers never repeat after a crash.
There is one counter per mission and stream: each mission's telemetry is numbered from 0 (the
samples taken on ``standby`` before it have numbers of their own), so a receiver's "sent" is
simply the highest number + 1.

SQLite in WAL mode: a committed transaction survives the process being killed.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

ANSWER_MEMORY = 1000
"""Command answers remembered, for commands redelivered after a reconnect or a restart."""


@dataclass(frozen=True)
class Queued:
    id: int
    topic: str
    payload: bytes
    retain: bool


_COLUMNS = "id, topic, payload, retain"


def _queued(row: tuple[int, str, bytes, int]) -> Queued:
    return Queued(row[0], row[1], bytes(row[2]), bool(row[3]))


class Outbox:
    """A FIFO of (topic, payload, retain) on disk, at most ``capacity`` messages long."""

    def __init__(self, path: Path, capacity: int = 100_000) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.path = path
        self.capacity = capacity
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(
            """
            CREATE TABLE IF NOT EXISTS outbox (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                topic TEXT NOT NULL,
                payload BLOB NOT NULL,
                retain INTEGER NOT NULL,
                acked REAL
            );
            CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS answered (
                n INTEGER PRIMARY KEY AUTOINCREMENT,
                command_id TEXT UNIQUE NOT NULL,
                topic TEXT NOT NULL,
                payload BLOB NOT NULL
            );
            INSERT OR IGNORE INTO counters VALUES ('dropped', 0);
            """
        )
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(outbox)")}
        if "acked" not in columns:  # an outbox written before messages were kept after PUBACK
            self._db.execute("ALTER TABLE outbox ADD COLUMN acked REAL")
        # NULL: not acknowledged yet (to send); a time: acknowledged then, kept for a replay.
        self._db.execute(
            "CREATE INDEX IF NOT EXISTS outbox_kept ON outbox (id) WHERE acked IS NOT NULL"
        )
        self._lock = threading.Lock()
        self._ready = threading.Condition(self._lock)

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
        name = f"seq:{mission}:{stream}"
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO counters VALUES (?, 0)", (name,))
            (seq,) = self._db.execute(
                "SELECT value FROM counters WHERE name = ?", (name,)
            ).fetchone()
            rows = [(topic, payload, int(retain)) for topic, payload, retain in build(seq)]
            if not rows:
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(
                    "INSERT INTO outbox (topic, payload, retain) VALUES (?, ?, ?)", rows
                )
                self._db.execute(
                    "UPDATE counters SET value = value + ? WHERE name = ?", (len(rows), name)
                )
                if answers is not None:
                    self._journal(answers, rows[0][0], rows[0][1])
                self._trim()
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._ready.notify_all()

    def _journal(self, command_id: str, topic: str, payload: bytes) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO answered (command_id, topic, payload) VALUES (?, ?, ?)",
            (command_id, topic, payload),
        )
        self._db.execute(
            "DELETE FROM answered WHERE n <= (SELECT MAX(n) FROM answered) - ?",
            (ANSWER_MEMORY,),
        )

    def answer_to(self, command_id: str) -> tuple[str, bytes] | None:
        """The journalled answer to a command id seen before, if any."""
        with self._lock:
            row = self._db.execute(
                "SELECT topic, payload FROM answered WHERE command_id = ?", (command_id,)
            ).fetchone()
        return None if row is None else (row[0], bytes(row[1]))

    def requeue(self, topic: str, payload: bytes) -> None:
        """Queue an exact copy of a message sent before (a repeated answer)."""
        with self._lock:
            self._db.execute(
                "INSERT INTO outbox (topic, payload, retain) VALUES (?, ?, 0)", (topic, payload)
            )
            self._ready.notify_all()

    def _trim(self) -> None:
        (total,) = self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()
        excess = total - self.capacity
        if excess <= 0:
            return
        # A kept message already reached the broker once: losing its replay costs less than
        # losing a message never sent, so kept ones make room first, uncounted.
        self._db.execute(
            "DELETE FROM outbox WHERE id IN "
            "(SELECT id FROM outbox WHERE acked IS NOT NULL ORDER BY id LIMIT ?)",
            (excess,),
        )
        excess -= self._db.execute("SELECT changes()").fetchone()[0]
        if excess > 0:
            self._db.execute(
                "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT ?)",
                (excess,),
            )
            self._db.execute(
                "UPDATE counters SET value = value + ? WHERE name='dropped'", (excess,)
            )

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
        params = [(at, i) for i in ids]
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(
                    "UPDATE outbox SET acked = ? WHERE id = ? AND retain = 0", params
                )
                self._db.executemany(
                    "DELETE FROM outbox WHERE id = ? AND retain != 0", [(i,) for _, i in params]
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def forget_acknowledged(self, before: float) -> int:
        """Drop kept messages acknowledged before ``before``; how many went."""
        with self._lock:
            cursor = self._db.execute(
                "DELETE FROM outbox WHERE acked IS NOT NULL AND acked < ?", (before,)
            )
            return cursor.rowcount

    def remove(self, ids: Iterable[int]) -> None:
        """Forget messages for good (ones the broker refused)."""
        with self._lock:
            self._db.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in ids])

    def meta(self, name: str) -> str | None:
        """A small value the agent keeps across restarts (the current mission id)."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, name: str, value: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, value))

    def depth(self) -> int:
        """Messages waiting for the broker's PUBACK (kept ones not counted)."""
        with self._lock:
            row = self._db.execute("SELECT COUNT(*) FROM outbox WHERE acked IS NULL").fetchone()
            return int(row[0])

    def kept_count(self) -> int:
        """Acknowledged messages kept for a replay."""
        with self._lock:
            row = self._db.execute("SELECT COUNT(*) FROM outbox WHERE acked IS NOT NULL").fetchone()
            return int(row[0])

    def dropped(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT value FROM counters WHERE name='dropped'").fetchone()
            return int(row[0])

    def wake(self) -> None:
        """Release a forwarder waiting in :meth:`peek` (at shutdown)."""
        with self._lock:
            self._ready.notify_all()

    def close(self) -> None:
        with self._lock:
            self._db.close()
