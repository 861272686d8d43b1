"""The webcaster's own store (SQLite under ``state_dir``): interview transcripts, by mission,
and what the commentary has believed and said.

An interview row is written before the triggering event is acknowledged on the bus, and it is
the only thing that decides whether a mission is interviewed: a redelivered event, a second
trigger (the capsule landing after the payload went) or a restart never starts a second one,
and an interview cut short by a crash is resumed where it stopped. The vehicle events believed
so far (the steps a trigger must follow) are kept too, so a restart between the stage
separation and the payload's release still believes the release. The commentary's lines said
so far are kept by key, so a restart never tells the booster's landing twice.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from marsy.protocol import EventType

_SCHEMA = """
CREATE TABLE IF NOT EXISTS interview (
    mission_id TEXT PRIMARY KEY,
    astronaut TEXT NOT NULL,
    trigger TEXT NOT NULL,
    questions TEXT NOT NULL,
    started_at REAL NOT NULL,
    finished_at REAL
);
CREATE TABLE IF NOT EXISTS exchange (
    mission_id TEXT NOT NULL REFERENCES interview (mission_id),
    idx INTEGER NOT NULL,
    question TEXT NOT NULL,
    answer TEXT,
    note TEXT NOT NULL,
    asked_at REAL NOT NULL,
    answered_at REAL,
    PRIMARY KEY (mission_id, idx)
);
CREATE TABLE IF NOT EXISTS step (
    mission_id TEXT NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (mission_id, event)
);
CREATE TABLE IF NOT EXISTS told (
    mission_id TEXT NOT NULL,
    key TEXT NOT NULL,
    PRIMARY KEY (mission_id, key)
);
"""


class Exchange(BaseModel):
    """One question and the astronaut's answer (``None`` when none came; ``note`` says why)."""

    model_config = ConfigDict(frozen=True)

    index: int
    question: str
    answer: str | None
    note: str = ""
    asked_at: float
    answered_at: float | None


class Transcript(BaseModel):
    """An interview as stored with its mission."""

    model_config = ConfigDict(frozen=True)

    mission_id: str
    astronaut: str
    trigger: EventType
    questions: tuple[str, ...]
    """What was planned; ``exchanges`` holds what has been asked so far."""
    started_at: float
    finished_at: float | None
    exchanges: tuple[Exchange, ...]

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


class TranscriptStore:
    """One connection shared by the consumer, the interviews and the HTTP threads, behind a
    lock (SQLite connections are not safe to use from two threads at once)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")  # an acked trigger must survive a crash
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def begin(
        self,
        mission_id: str,
        astronaut: str,
        trigger: EventType,
        questions: tuple[str, ...],
        at: float,
    ) -> Transcript | None:
        """Record that ``mission_id`` is being interviewed; ``None`` if it already was."""
        with self._lock:
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO interview VALUES (?, ?, ?, ?, ?, NULL)",
                (mission_id, astronaut, str(trigger), json.dumps(questions), at),
            )
        if cursor.rowcount != 1:
            return None
        return Transcript(
            mission_id=mission_id,
            astronaut=astronaut,
            trigger=trigger,
            questions=questions,
            started_at=at,
            finished_at=None,
            exchanges=(),
        )

    def record(self, mission_id: str, exchange: Exchange) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO exchange VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    mission_id,
                    exchange.index,
                    exchange.question,
                    exchange.answer,
                    exchange.note,
                    exchange.asked_at,
                    exchange.answered_at,
                ),
            )

    def finish(self, mission_id: str, at: float) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE interview SET finished_at = ? WHERE mission_id = ?", (at, mission_id)
            )

    def transcript(self, mission_id: str) -> Transcript | None:
        with self._lock:
            row = self._db.execute(
                "SELECT mission_id, astronaut, trigger, questions, started_at, finished_at "
                "FROM interview WHERE mission_id = ?",
                (mission_id,),
            ).fetchone()
            if row is None:
                return None
            rows = self._db.execute(
                "SELECT idx, question, answer, note, asked_at, answered_at FROM exchange "
                "WHERE mission_id = ? ORDER BY idx",
                (mission_id,),
            ).fetchall()
        return Transcript(
            mission_id=row[0],
            astronaut=row[1],
            trigger=EventType(row[2]),
            questions=tuple(json.loads(row[3])),
            started_at=row[4],
            finished_at=row[5],
            exchanges=tuple(
                Exchange(
                    index=r[0],
                    question=r[1],
                    answer=r[2],
                    note=r[3],
                    asked_at=r[4],
                    answered_at=r[5],
                )
                for r in rows
            ),
        )

    def note_step(self, mission_id: str, event: EventType) -> None:
        """Remember that ``event`` of ``mission_id`` was believed."""
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO step VALUES (?, ?)", (mission_id, str(event)))

    def steps(self, mission_id: str) -> frozenset[EventType]:
        """The vehicle events of ``mission_id`` believed so far."""
        with self._lock:
            rows = self._db.execute(
                "SELECT event FROM step WHERE mission_id = ?", (mission_id,)
            ).fetchall()
        return frozenset(EventType(row[0]) for row in rows)

    def note_told(self, mission_id: str, key: str) -> None:
        """Remember that the commentary line ``key`` of ``mission_id`` was said."""
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO told VALUES (?, ?)", (mission_id, key))

    def told(self, mission_id: str) -> frozenset[str]:
        """The keys of the commentary lines said for ``mission_id``."""
        with self._lock:
            rows = self._db.execute(
                "SELECT key FROM told WHERE mission_id = ?", (mission_id,)
            ).fetchall()
        return frozenset(str(row[0]) for row in rows)

    def unfinished(self) -> list[Transcript]:
        """Interviews a previous run began and did not finish, oldest first."""
        with self._lock:
            ids = [
                row[0]
                for row in self._db.execute(
                    "SELECT mission_id FROM interview WHERE finished_at IS NULL ORDER BY started_at"
                )
            ]
        return [t for t in (self.transcript(m) for m in ids) if t is not None]
