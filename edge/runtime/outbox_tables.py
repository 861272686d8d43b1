"""The outbox's SQLite tables and what each kind of write does to them.

Apart from :class:`~edge.runtime.outbox.Outbox`, which decides when to write (in order, holding
in memory what the disk refuses, counting what is dropped): here is only how a write lands in
the tables, run inside the outbox's transaction.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from edge.runtime.backlog import Acks, Removal, Rows, Write

ANSWER_MEMORY = 1000
"""Command answers remembered, for commands redelivered after a reconnect or a restart."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    payload BLOB NOT NULL,
    retain INTEGER NOT NULL,
    acked REAL,
    mission TEXT,
    stream TEXT
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS answered (
    n INTEGER PRIMARY KEY AUTOINCREMENT,
    command_id TEXT UNIQUE NOT NULL,
    topic TEXT NOT NULL,
    payload BLOB NOT NULL
);
"""


def open_outbox(path: Path) -> sqlite3.Connection:
    """The outbox database at ``path``, its tables made (and an older outbox's completed);
    WAL mode, so a committed transaction survives the process being killed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(_SCHEMA)
    columns = {row[1] for row in db.execute("PRAGMA table_info(outbox)")}
    for column in ("acked REAL", "mission TEXT", "stream TEXT"):  # an older outbox
        if column.split()[0] not in columns:
            db.execute(f"ALTER TABLE outbox ADD COLUMN {column}")
    # NULL: not acknowledged yet (to send); a time: acknowledged then, kept for a replay.
    db.execute("CREATE INDEX IF NOT EXISTS outbox_kept ON outbox (id) WHERE acked IS NOT NULL")
    return db


def apply(db: sqlite3.Connection, write: Write) -> None:
    """What ``write`` does to the tables (inside the caller's transaction)."""
    if isinstance(write, Rows):
        db.executemany(
            "INSERT INTO outbox (topic, payload, retain, mission, stream) VALUES (?, ?, ?, ?, ?)",
            [(*row, write.mission, write.stream) for row in write.rows],
        )
        if write.answers is not None:
            journal(db, write.answers, write.rows[0][0], write.rows[0][1])
    elif isinstance(write, Acks):
        db.executemany(
            "UPDATE outbox SET acked = ? WHERE id = ? AND retain = 0",
            [(write.at, i) for i in write.ids],
        )
        db.executemany("DELETE FROM outbox WHERE id = ? AND retain != 0", [(i,) for i in write.ids])
    elif isinstance(write, Removal):
        db.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in write.ids])
    else:
        db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (write.name, write.value))


def journal(db: sqlite3.Connection, command_id: str, topic: str, payload: bytes) -> None:
    """Remember the answer to ``command_id`` (the newest :data:`ANSWER_MEMORY` are kept)."""
    db.execute(
        "INSERT OR REPLACE INTO answered (command_id, topic, payload) VALUES (?, ?, ?)",
        (command_id, topic, payload),
    )
    db.execute(
        "DELETE FROM answered WHERE n <= (SELECT MAX(n) FROM answered) - ?", (ANSWER_MEMORY,)
    )


def trim(db: sqlite3.Connection, capacity: int) -> list[tuple[str | None, str | None, int]]:
    """Keep at most ``capacity`` messages: kept (already acknowledged) ones make room first,
    uncounted; then the oldest unsent, returned as (mission, stream, count) to be counted."""
    (total,) = db.execute("SELECT COUNT(*) FROM outbox").fetchone()
    excess = total - capacity
    if excess <= 0:
        return []
    # A kept message already reached the broker once: losing its replay costs less than
    # losing a message never sent.
    db.execute(
        "DELETE FROM outbox WHERE id IN "
        "(SELECT id FROM outbox WHERE acked IS NOT NULL ORDER BY id LIMIT ?)",
        (excess,),
    )
    excess -= db.execute("SELECT changes()").fetchone()[0]
    if excess <= 0:
        return []
    oldest = "SELECT id, mission, stream FROM outbox ORDER BY id LIMIT ?"
    lost = db.execute(
        f"SELECT mission, stream, COUNT(*) FROM ({oldest}) GROUP BY mission, stream", (excess,)
    ).fetchall()
    db.execute(
        "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT ?)", (excess,)
    )
    return [(mission, stream, int(count)) for mission, stream, count in lost]
