"""The mission log (the Logs DB of the original design): missions, their timeline and command
history, in SQLite.

Every entry carries its mission id. The timeline is the mission as Command saw it, in order:
go/no-go answers, decisions, events, alerts, commands and their acks, webcast lines.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from marsy.protocol import FlightPhase, MissionState


@dataclass(frozen=True)
class Mission:
    mission_id: str
    scenario: str
    state: MissionState
    phase: FlightPhase
    started: float
    ended: float | None
    detail: str


@dataclass(frozen=True)
class Entry:
    ts: float
    kind: str
    """go_no_go, decision, event, refused, alert, order, command, ack, log, webcast
    (:class:`ground.command.picture.Kind`)."""
    source: str
    text: str
    data: dict[str, Any]


_SCHEMA = """
CREATE TABLE IF NOT EXISTS missions (
    mission_id TEXT PRIMARY KEY, scenario TEXT, state TEXT, phase TEXT,
    started REAL, ended REAL, detail TEXT
);
CREATE TABLE IF NOT EXISTS timeline (
    n INTEGER PRIMARY KEY AUTOINCREMENT, mission_id TEXT, ts REAL, kind TEXT, source TEXT,
    text TEXT, data TEXT
);
CREATE INDEX IF NOT EXISTS timeline_mission ON timeline (mission_id, n);
"""


class MissionStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def create(self, mission: Mission) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO missions VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    mission.mission_id,
                    mission.scenario,
                    mission.state,
                    mission.phase,
                    mission.started,
                    mission.ended,
                    mission.detail,
                ),
            )

    def update(self, mission_id: str, **fields: Any) -> None:
        allowed = {"state", "phase", "ended", "detail"}
        if not fields or set(fields) - allowed:
            raise ValueError(f"can only update {sorted(allowed)}")
        assignments = ", ".join(f"{name} = ?" for name in fields)
        with self._lock:
            self._db.execute(
                f"UPDATE missions SET {assignments} WHERE mission_id = ?",
                (*[str(v) if isinstance(v, str) else v for v in fields.values()], mission_id),
            )

    def get(self, mission_id: str) -> Mission | None:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM missions WHERE mission_id = ?", (mission_id,)
            ).fetchone()
        return _mission(row) if row else None

    def missions(self) -> list[Mission]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM missions ORDER BY started").fetchall()
        return [_mission(row) for row in rows]

    def flying(self) -> Mission | None:
        """The mission not yet finished, if any (missions run one after another)."""
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM missions WHERE state IN (?, ?, ?, ?) ORDER BY started DESC",
                (
                    MissionState.PLANNED,
                    MissionState.POLLING,
                    MissionState.HELD,
                    MissionState.FLYING,
                ),
            ).fetchone()
        return _mission(row) if row else None

    def record(self, mission_id: str, entry: Entry) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO timeline (mission_id, ts, kind, source, text, data) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    mission_id,
                    entry.ts,
                    entry.kind,
                    entry.source,
                    entry.text,
                    json.dumps(entry.data, default=str),
                ),
            )

    def timeline(self, mission_id: str, kinds: set[str] | None = None) -> list[Entry]:
        with self._lock:
            rows = self._db.execute(
                "SELECT ts, kind, source, text, data FROM timeline WHERE mission_id = ? ORDER BY n",
                (mission_id,),
            ).fetchall()
        entries = [Entry(r[0], r[1], r[2], r[3], json.loads(r[4])) for r in rows]
        return [e for e in entries if kinds is None or e.kind in kinds]

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _mission(row: tuple[Any, ...]) -> Mission:
    return Mission(
        row[0], row[1], MissionState(row[2]), FlightPhase(row[3]), row[4], row[5], row[6] or ""
    )
