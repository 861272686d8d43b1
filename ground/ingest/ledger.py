"""The delivery ledger: which sequence numbers of each source arrived, and which are missing.

Every source numbers its telemetry without gaps, so holes between the lowest and highest number
seen are messages not (yet) received. A late or replayed message fills its hole and closes the
gap. The ledger is kept as ranges per (mission, source) and saved to SQLite before the
corresponding messages are acknowledged, so an ingest restart neither forgets what it stored nor
reports a gap that is not there.

A source cannot make the ledger claim more than it plausibly sent: every source numbers each
mission's stream from 0, so a number more than ``window`` beyond the highest already accepted (or
beyond 0, for the first) is refused by :meth:`Ledger.admit`, before anything is stored: a wild
first number cannot lock the source's real ones out. The
window is checked on admission, not on storage, so two wild numbers in flight together cannot
both pass as "the first".
"""

from __future__ import annotations

import bisect
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

Key = tuple[str, str]
"""(mission id, source)."""
WINDOW = 100_000
"""Numbers a source may jump ahead of (or fall behind) what it sent before in the mission."""


@dataclass(frozen=True)
class LedgerEntry:
    mission_id: str
    source: str
    received: int
    first: int
    last: int
    gaps: list[tuple[int, int]]
    """Missing ranges, inclusive."""
    duplicates: int

    @property
    def missing(self) -> int:
        return sum(hi - lo + 1 for lo, hi in self.gaps)


class Ledger:
    def __init__(self, path: Path, window: int = WINDOW) -> None:
        if window < 1:
            raise ValueError("the ledger window must be at least 1")
        self.window = window
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # survives the process being killed
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS ranges (mission TEXT, source TEXT, lo INTEGER, "
            "hi INTEGER, PRIMARY KEY (mission, source, lo))"
        )
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS duplicates (mission TEXT, source TEXT, n INTEGER, "
            "PRIMARY KEY (mission, source))"
        )
        self._lock = threading.Lock()
        self._ranges: dict[Key, list[list[int]]] = {}
        self._duplicates: dict[Key, int] = {}
        self._dirty: set[Key] = set()
        self._bounds: dict[Key, list[int]] = {}
        """Lowest and highest number admitted (stored or on its way), per key."""
        for mission, source, lo, hi in self._db.execute(
            "SELECT mission, source, lo, hi FROM ranges ORDER BY lo"
        ):
            self._ranges.setdefault((mission, source), []).append([lo, hi])
        for mission, source, n in self._db.execute("SELECT mission, source, n FROM duplicates"):
            self._duplicates[(mission, source)] = n

    def admit(self, mission_id: str, source: str, seq: int) -> str | None:
        """Whether ``seq`` may be stored: ``None`` if so (it widens the bounds), else the reason.

        Call before storing; :meth:`note` once stored."""
        key = (mission_id, source)
        with self._lock:
            bounds = self._bounds.get(key)
            if bounds is None:
                ranges = self._ranges.get(key)
                # numbering starts at 0 each mission: the first number is held to that too
                bounds = [0, ranges[-1][1] if ranges else 0]
                self._bounds[key] = bounds
            lo, hi = bounds
            if seq > hi + self.window:
                return f"{seq} is more than {self.window:,} beyond the highest so far ({hi})"
            if seq < lo - self.window:
                return f"{seq} is more than {self.window:,} below the lowest so far ({lo})"
            bounds[0], bounds[1] = min(lo, seq), max(hi, seq)
            return None

    def note(self, mission_id: str, source: str, seq: int) -> bool:
        """Record one sequence number; ``False`` if it had been seen already (a duplicate)."""
        with self._lock:
            return self._note((mission_id, source), seq)

    def note_many(self, numbers: list[tuple[str, str, int]]) -> int:
        """Record ``(mission, source, seq)`` numbers; how many were new (not duplicates)."""
        with self._lock:
            return sum(self._note((mission, source), seq) for mission, source, seq in numbers)

    def _note(self, key: Key, seq: int) -> bool:
        """One number, the lock held."""
        ranges = self._ranges.setdefault(key, [])
        index = bisect.bisect_right(ranges, [seq, float("inf")])
        if index and ranges[index - 1][0] <= seq <= ranges[index - 1][1]:
            self._duplicates[key] = self._duplicates.get(key, 0) + 1
            self._dirty.add(key)
            return False
        joins_left = index and ranges[index - 1][1] == seq - 1
        joins_right = index < len(ranges) and ranges[index][0] == seq + 1
        if joins_left and joins_right:
            ranges[index - 1][1] = ranges[index][1]
            del ranges[index]
        elif joins_left:
            ranges[index - 1][1] = seq
        elif joins_right:
            ranges[index][0] = seq
        else:
            ranges.insert(index, [seq, seq])
        self._dirty.add(key)
        return True

    def save(self) -> None:
        """Persist what changed since the last save (call before acknowledging)."""
        with self._lock:
            dirty, self._dirty = self._dirty, set()
            if not dirty:
                return
            self._db.execute("BEGIN")
            for mission, source in dirty:
                self._db.execute(
                    "DELETE FROM ranges WHERE mission = ? AND source = ?", (mission, source)
                )
                self._db.executemany(
                    "INSERT INTO ranges VALUES (?, ?, ?, ?)",
                    [(mission, source, lo, hi) for lo, hi in self._ranges[(mission, source)]],
                )
                self._db.execute(
                    "INSERT OR REPLACE INTO duplicates VALUES (?, ?, ?)",
                    (mission, source, self._duplicates.get((mission, source), 0)),
                )
            self._db.execute("COMMIT")

    def entries(self, mission_id: str | None = None) -> list[LedgerEntry]:
        with self._lock:
            return _entries(self._ranges, self._duplicates, mission_id)

    def close(self) -> None:
        self.save()
        self._db.close()


def _entries(
    ranges_by_key: dict[Key, list[list[int]]],
    duplicates: dict[Key, int],
    mission_id: str | None,
) -> list[LedgerEntry]:
    result = []
    for (mission, source), ranges in sorted(ranges_by_key.items()):
        if (mission_id is not None and mission != mission_id) or not ranges:
            continue
        result.append(
            LedgerEntry(
                mission_id=mission,
                source=source,
                received=sum(hi - lo + 1 for lo, hi in ranges),
                first=ranges[0][0],
                last=ranges[-1][1],
                gaps=[(a[1] + 1, b[0] - 1) for a, b in pairwise(ranges)],
                duplicates=duplicates.get((mission, source), 0),
            )
        )
    return result


def merged_entries(paths: Iterable[Path], mission_id: str | None = None) -> list[LedgerEntry]:
    """The ledger of several recorders sharing one stream (workers on a shared subscription):
    what any of them stored counts as received, so a number another worker stored is no gap.

    Read from their saved ledgers, which each saves before it acknowledges: what this says
    was received is durable. A number stored by two workers (a redelivery landing elsewhere)
    counts as a duplicate, beside each one's own."""
    ranges: dict[Key, list[list[int]]] = {}
    duplicates: dict[Key, int] = {}
    for path in paths:
        if not path.exists():
            continue
        db = sqlite3.connect(path, isolation_level=None)
        try:
            for mission, source, lo, hi in db.execute("SELECT mission, source, lo, hi FROM ranges"):
                ranges.setdefault((mission, source), []).append([lo, hi])
            for mission, source, n in db.execute("SELECT mission, source, n FROM duplicates"):
                duplicates[(mission, source)] = duplicates.get((mission, source), 0) + n
        except sqlite3.OperationalError:  # a ledger created a moment ago, its tables not yet
            continue
        finally:
            db.close()
    union: dict[Key, list[list[int]]] = {}
    for key, spans in ranges.items():
        spans.sort()
        merged: list[list[int]] = []
        overlap = 0
        for lo, hi in spans:
            if merged and lo <= merged[-1][1] + 1:
                last = merged[-1]
                overlap += max(0, min(hi, last[1]) - lo + 1)
                last[1] = max(last[1], hi)
            else:
                merged.append([lo, hi])
        union[key] = merged
        if overlap:
            duplicates[key] = duplicates.get(key, 0) + overlap
    return _entries(union, duplicates, mission_id)
