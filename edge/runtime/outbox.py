"""Store-and-forward: the agent's bounded on-disk queue of outgoing messages.

Every message an agent publishes goes through here first, so what is queued survives a crash,
a reboot or a broker outage (paho buffers offline publishes in memory only). The forwarder reads
in order and deletes a message only after the broker's PUBACK; a crash in between re-sends it,
and the receiver's de-duplication makes that harmless. When the bound is hit the oldest messages
are dropped, counted and reported. The sequence counters live in the same database and are
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
                retain INTEGER NOT NULL
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
        (depth,) = self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()
        excess = depth - self.capacity
        if excess > 0:
            self._db.execute(
                "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT ?)",
                (excess,),
            )
            self._db.execute(
                "UPDATE counters SET value = value + ? WHERE name='dropped'", (excess,)
            )

    def peek(self, limit: int, timeout: float | None = None, after: int = 0) -> list[Queued]:
        """The oldest ``limit`` messages with an id above ``after``, waiting up to ``timeout`` s
        for one to arrive."""
        with self._lock:
            rows = self._select(limit, after)
            if not rows and timeout:
                self._ready.wait(timeout)
                rows = self._select(limit, after)
        return [Queued(row[0], row[1], bytes(row[2]), bool(row[3])) for row in rows]

    def _select(self, limit: int, after: int) -> list[tuple[int, str, bytes, int]]:
        return self._db.execute(
            "SELECT id, topic, payload, retain FROM outbox WHERE id > ? ORDER BY id LIMIT ?",
            (after, limit),
        ).fetchall()

    def remove(self, ids: Iterable[int]) -> None:
        """Forget messages the broker acknowledged."""
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
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])

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
