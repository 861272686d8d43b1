"""Points in SQLite, one file per database, written by :mod:`batch`'s rules.

A point is one row per (series, time), where a series is a measurement with one tag set; a
later write of the same point merges its fields into the row, last value wins (influxd's
overwrite, which makes MarsY's redelivered duplicates harmless). Field types are kept per
measurement and shard (:mod:`shards`); series and tag keys per database, as influxd's default
index keeps them.

Rows are keyed by (series, time), so reading a time window of a mission is a range scan of the
index whatever the mission's length. Each write request is one transaction, committed before
the answer (WAL, ``synchronous=NORMAL``: it survives the process being killed); reads run in a
read transaction on a pooled connection, so writers and readers do not wait for each other.
"""

from __future__ import annotations

import json
import queue
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from devservers.embedded.tsdb.batch import Batch, Catalogue, WriteOutcome
from devservers.embedded.tsdb.meta import Meta
from devservers.embedded.tsdb.points import FieldValue, Point
from devservers.embedded.tsdb.shards import SHARD_DURATION, shard_start

_SCHEMA = """
CREATE TABLE IF NOT EXISTS series (
    id INTEGER PRIMARY KEY,
    measurement TEXT NOT NULL,
    key TEXT NOT NULL UNIQUE,
    tags TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS series_measurement ON series (measurement);
CREATE TABLE IF NOT EXISTS points (
    series INTEGER NOT NULL,
    time INTEGER NOT NULL,
    fields TEXT NOT NULL,
    PRIMARY KEY (series, time)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fields (
    measurement TEXT NOT NULL,
    shard INTEGER NOT NULL,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    PRIMARY KEY (measurement, shard, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS shards (start INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS tag_keys (
    measurement TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (measurement, name)
) WITHOUT ROWID;
"""


def _field_types(conn: sqlite3.Connection) -> dict[tuple[str, int], dict[str, str]]:
    types: dict[tuple[str, int], dict[str, str]] = {}
    for measurement, shard, name, kind in conn.execute(
        "SELECT measurement, shard, name, type FROM fields"
    ):
        types.setdefault((measurement, int(shard)), {})[name] = kind
    return types


class StoreClosed(RuntimeError):
    """The server is shutting down."""


@dataclass(frozen=True)
class Series:
    id: int
    key: str
    tags: dict[str, str] = field(hash=False)


def _connect(path: Path, readonly: bool = False) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA cache_size=-32768")
    if readonly:
        conn.execute("PRAGMA query_only=ON")
    return conn


class Snapshot:
    """A consistent view of one database for the length of a query."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def shards(self, measurement: str, low: int, high: int) -> list[int]:
        """Shards of ``measurement`` overlapping [low, high], oldest first."""
        rows = self._conn.execute(
            "SELECT DISTINCT shard FROM fields WHERE measurement = ? AND shard >= ? AND shard <= ? "
            "ORDER BY shard",
            (measurement, max(low - SHARD_DURATION + 1, -(2**63)), high),
        )
        return [int(r[0]) for r in rows]

    def field_types(self, measurement: str, shards: Sequence[int]) -> dict[int, dict[str, str]]:
        """Per shard, each field's type."""
        types: dict[int, dict[str, str]] = {s: {} for s in shards}
        if not shards:
            return types
        rows = self._conn.execute(
            "SELECT shard, name, type FROM fields WHERE measurement = ? AND shard BETWEEN ? AND ?",
            (measurement, shards[0], shards[-1]),
        )
        for shard, name, kind in rows:
            if shard in types:
                types[shard][name] = kind
        return types

    def tag_keys(self, measurement: str) -> set[str]:
        """Every tag key of ``measurement``, in any shard (influxd 1.6's default index is one
        per database)."""
        rows = self._conn.execute("SELECT name FROM tag_keys WHERE measurement = ?", (measurement,))
        return {name for (name,) in rows}

    def series(self, measurement: str) -> list[Series]:
        """Every series of ``measurement``, in series-key order (influxd's iteration order)."""
        rows = self._conn.execute(
            "SELECT id, key, tags FROM series WHERE measurement = ?", (measurement,)
        )
        found = [Series(int(i), k, json.loads(t)) for i, k, t in rows]
        found.sort(key=lambda s: s.key.encode())
        return found

    def points(
        self, series: int, low: int, high: int, descending: bool = False
    ) -> Iterator[tuple[int, dict[str, FieldValue]]]:
        """(time, fields) of one series in [low, high], in time order, read as consumed."""
        order = "DESC" if descending else "ASC"
        rows = self._conn.execute(
            "SELECT time, fields FROM points WHERE series = ? AND time BETWEEN ? AND ? "
            f"ORDER BY time {order}",
            (series, low, high),
        )
        loads = json.loads
        try:
            for time, text in rows:
                yield time, loads(text)
        finally:
            rows.close()

    def count(self, series: int, low: int, high: int, name: str) -> int:
        """How many points of one series in [low, high] have field ``name``."""
        path = '$."' + name + '"'
        row = self._conn.execute(
            "SELECT count(json_type(fields, ?)) FROM points "
            "WHERE series = ? AND time BETWEEN ? AND ?",
            (path, series, low, high),
        ).fetchone()
        return int(row[0])


class Database:
    """One database: a writer connection behind a lock and a pool of reader connections."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer = _connect(path)
        self._writer.execute("PRAGMA journal_mode=WAL")
        self._writer.executescript(_SCHEMA)
        self._lock = threading.Lock()
        self._readers: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._all_readers: list[sqlite3.Connection] = []
        conn = self._writer
        self._catalogue = Catalogue(
            series={k: int(i) for k, i in conn.execute("SELECT key, id FROM series")},
            fields=_field_types(conn),
            tag_keys=set(conn.execute("SELECT measurement, name FROM tag_keys")),
            shards={int(r[0]) for r in conn.execute("SELECT start FROM shards")},
        )

    def close(self) -> None:
        with self._lock:
            self._writer.close()
            for conn in self._all_readers:
                conn.close()

    @contextmanager
    def snapshot(self) -> Iterator[Snapshot]:
        try:
            conn = self._readers.get_nowait()
        except queue.Empty:
            conn = _connect(self.path, readonly=True)
            with self._lock:
                self._all_readers.append(conn)
        conn.execute("BEGIN")
        try:
            yield Snapshot(conn)
        finally:
            conn.execute("COMMIT")
            self._readers.put(conn)

    def write(self, points: Sequence[Point]) -> WriteOutcome:
        """Store what influxd would store of ``points``, shard by shard as influxd writes them.

        In a shard that exists, a point with a tag named ``time`` or a field of another type than
        the shard has (or than an earlier point of the request gave it) is dropped. A request
        that creates a shard sees no types but those stored: two types for one new field there
        fail the whole shard's write, and the fields created before the clash stay.
        """
        by_shard: dict[int, list[Point]] = {}
        for point in points:
            by_shard.setdefault(shard_start(point.time), []).append(point)
        with self._lock:
            conn = self._writer
            conn.execute("BEGIN IMMEDIATE")
            try:
                batch = Batch(self._catalogue, conn)
                errors = [batch.write_shard(shard, group) for shard, group in by_shard.items()]
                batch.flush()
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            batch.publish()
        error = next((e for e in errors if e is not None), None)
        return WriteOutcome(len(batch.rows), error)


class Store:
    """Every database of a data folder, opened on first use."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = data_dir
        self.meta = Meta(data_dir / "meta.sqlite")
        self._lock = threading.Condition()
        self._open: dict[str, Database] = {}
        self._users: dict[Database, int] = {}
        self._closed = False
        self._remove_orphans()

    def _file(self, db_id: int) -> Path:
        return self.data_dir / f"db-{db_id}.sqlite"

    def _remove_orphans(self) -> None:
        """Files of databases dropped by a process that died before deleting them."""
        known = {self._file(i).name for i, _ in self.meta.databases()}
        for path in self.data_dir.glob("db-*.sqlite*"):
            if path.name.split(".sqlite")[0] + ".sqlite" not in known:
                path.unlink(missing_ok=True)

    def database_names(self) -> list[str]:
        return [name for _, name in self.meta.databases()]

    def create_database(self, name: str) -> None:
        self.meta.add_database(name)

    def drop_database(self, name: str) -> None:
        """Gone at once for new requests; its files go once running ones are done."""
        with self._lock:
            db_id = self.meta.remove_database(name)
            if db_id is None:
                return
            database = self._open.pop(name, None)
            while database is not None and self._users.get(database, 0) > 0:
                self._lock.wait()
        if database is not None:
            database.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self._file(db_id)}{suffix}").unlink(missing_ok=True)

    @contextmanager
    def use(self, name: str) -> Iterator[Database | None]:
        """The database named ``name`` (``None`` if there is none) for one request."""
        with self._lock:
            if self._closed:
                raise StoreClosed("the store is closed")
            database = self._open.get(name)
            if database is None:
                ids = {n: i for i, n in self.meta.databases()}
                if name in ids:
                    database = Database(self._file(ids[name]))
                    self._open[name] = database
            if database is not None:
                self._users[database] = self._users.get(database, 0) + 1
        if database is None:
            yield None
            return
        try:
            yield database
        finally:
            with self._lock:
                self._users[database] -= 1
                if not self._users[database]:
                    del self._users[database]
                self._lock.notify_all()

    def close(self) -> None:
        """Wait for running requests, then close every file."""
        with self._lock:
            self._closed = True
            while self._users:
                self._lock.wait()
            databases, self._open = list(self._open.values()), {}
        for database in databases:
            database.close()
        self.meta.close()
