"""A disk spool of line-protocol batches, for when InfluxDB is unavailable.

Batches are appended to segment files (``NNNNNNNN.spool``, one ``database<TAB>line`` per line)
and fsynced before the caller acknowledges anything. Replay streams the oldest segment in
batches of bounded size, so memory does not grow with the spool, and deletes a segment only
once all of it is written.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

SEGMENT_BYTES = 8 * 1024 * 1024


class Spool:
    """Segments in ``folder``, oldest first."""

    def __init__(self, folder: Path, segment_bytes: int = SEGMENT_BYTES) -> None:
        self.folder = folder
        self.segment_bytes = segment_bytes
        folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        numbers = [int(p.stem) for p in folder.glob("*.spool")]
        self._next = max(numbers, default=0) + 1
        self._current: Path | None = None
        """Appends go to a new segment after a restart: a torn tail stays the end of its file."""
        self.spooled = 0
        self.replayed = 0

    def _segments(self) -> list[Path]:
        return sorted(self.folder.glob("*.spool"))

    def pending(self) -> bool:
        with self._lock:
            return bool(self._segments())

    def lines_pending(self) -> int:
        with self._lock:
            return sum(_count_lines(p) for p in self._segments())

    def append(self, database: str, lines: list[str]) -> None:
        """Add a batch durably: when this returns, the lines survive a crash."""
        data = "".join(f"{database}\t{line}\n" for line in lines).encode()
        with self._lock:
            if self._current is None or self._current.stat().st_size > self.segment_bytes:
                self._current = self.folder / f"{self._next:08d}.spool"
                self._next += 1
            fd = os.open(self._current, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            self.spooled += len(lines)

    def replay(self, write: Callable[[str, list[str]], None], batch: int = 5000) -> int:
        """Write out the oldest segment through ``write(database, lines)`` and delete it.

        Returns the number of lines replayed (0 when the spool is empty). ``write`` raising
        leaves the segment in place, to be replayed from its start later (writes are idempotent).
        """
        with self._lock:
            segments = self._segments()
            if not segments:
                return 0
            oldest = segments[0]
            if oldest == self._current:
                self._current = None  # new batches start a new segment while this one drains
        count = 0
        for database, lines in _batches(oldest, batch):
            write(database, lines)
            count += len(lines)
        with self._lock:
            oldest.unlink()
            self.replayed += count
        return count


def _batches(path: Path, size: int) -> Iterator[tuple[str, list[str]]]:
    database: str | None = None
    lines: list[str] = []
    with path.open() as handle:
        for raw in handle:
            if not raw.endswith("\n"):
                break  # a torn last line from a crash mid-write: it was never acknowledged
            db, _, line = raw[:-1].partition("\t")
            if not line:
                continue
            if (db != database or len(lines) >= size) and lines:
                yield database or db, lines
                lines = []
            database = db
            lines.append(line)
    if lines and database is not None:
        yield database, lines


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
