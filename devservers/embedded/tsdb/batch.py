"""One write request against a database's catalogue, with influxd 1.6's write rules.

Points are written shard by shard. In a shard that exists, a point with a tag named ``time``,
or with only a field named ``time``, is dropped; so is one whose field has another type than
the shard had before the request (dropped before any of its new fields is created) or than an
earlier point of the request gave it (the new fields created before the clash stay). A request
that creates a shard checks nothing until it creates the fields: two types for one new field
there fail that shard's whole write with ``field type conflict``. Series and tag keys are
created even for the points then dropped, as influxd's index creates them first.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from devservers.embedded.tsdb.points import FieldValue, Point

_UPSERT = (
    "INSERT INTO points (series, time, fields) VALUES (?, ?, ?) "
    "ON CONFLICT (series, time) DO UPDATE SET fields = json_patch(points.fields, excluded.fields)"
)


_TYPE_NAMES: dict[type, str] = {float: "float", int: "integer", str: "string", bool: "boolean"}


def type_of(value: FieldValue) -> str:
    """influxd's name of a field's type."""
    return _TYPE_NAMES[type(value)]


def _dumps(values: dict[str, FieldValue]) -> str:
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


def _conflict(name: str, measurement: str, kind: str, known: str) -> str:
    return (
        f'field type conflict: input field "{name}" on measurement "{measurement}" '
        f"is type {kind}, already exists as type {known}"
    )


@dataclass(frozen=True)
class WriteOutcome:
    written: int
    error: str | None = None
    """influxd's answer when not all was written: ``field type conflict`` or ``partial write:
    <why the first point was dropped> dropped=<n>``."""


@dataclass
class Catalogue:
    """What a database holds besides points: series, field types, tag keys, shards."""

    series: dict[str, int] = field(default_factory=dict)
    fields: dict[tuple[str, int], dict[str, str]] = field(default_factory=dict)
    """Per (measurement, shard), each field's type."""
    tag_keys: set[tuple[str, str]] = field(default_factory=set)
    shards: set[int] = field(default_factory=set)


class Batch:
    """One write request's new series, fields, tag keys, shards and rows, seen by its later
    points; published to the catalogue once committed."""

    def __init__(self, catalogue: Catalogue, conn: sqlite3.Connection) -> None:
        self._known = catalogue
        self._conn = conn
        self.new = Catalogue()
        self.new_fields: list[tuple[str, int, str, str]] = []
        self.rows: list[tuple[int, int, str]] = []

    def _series(self, point: Point) -> int:
        series = self._known.series.get(point.key) or self.new.series.get(point.key)
        if series is None:
            cursor = self._conn.execute(
                "INSERT INTO series (measurement, key, tags) VALUES (?, ?, ?)",
                (point.measurement, point.key, json.dumps(dict(point.tags), ensure_ascii=False)),
            )
            series = int(cursor.lastrowid or 0)
            self.new.series[point.key] = series
        return series

    def _added(self, measurement: str, shard: int) -> dict[str, str]:
        """Field types this request created in a measurement's shard."""
        return self.new.fields.setdefault((measurement, shard), {})

    def write_shard(self, shard: int, points: list[Point]) -> str | None:
        """Queue one shard's points; influxd's error for this shard, if any."""
        existed = shard in self._known.shards or shard in self.new.shards
        self.new.shards.add(shard)
        dropped = 0
        reason = ""
        kept: list[tuple[Point, int]] = []
        for point in points:
            if any(k == "time" for k, _ in point.tags):
                dropped += 1
                reason = reason or (
                    f'invalid tag key: input tag "time" on measurement "{point.measurement}" '
                    "is invalid"
                )
                continue
            kept.append((point, self._series(point)))
            for name, _ in point.tags:
                tag_key = (point.measurement, name)
                if tag_key not in self._known.tag_keys:
                    self.new.tag_keys.add(tag_key)
        rows: list[tuple[int, int, str]] = []
        for point, series in kept:
            values, why = self._fields(point, shard, check=existed)
            if why == "clash":
                return "field type conflict"
            if why is not None:
                dropped += 1
                reason = reason or why
            elif values:
                rows.append((series, point.time, _dumps(values)))
        self.rows += rows
        return f"partial write: {reason} dropped={dropped}" if dropped else None

    def _fields(
        self, point: Point, shard: int, check: bool
    ) -> tuple[dict[str, FieldValue], str | None]:
        """The point's fields to store, creating the new ones; why it is dropped (``clash``:
        the shard's write fails).

        influxd checks a point against the types stored before the request first (a mismatch
        drops it before anything is created), then creates its new fields one by one, each
        checked against those this request already created (a mismatch drops the point, the
        fields created before it stay).
        """
        measurement = point.measurement
        if all(name == "time" for name, _ in point.fields):
            return {}, (
                f'invalid field name: input field "time" on measurement "{measurement}" is invalid'
            )
        stored = self._known.fields.get((measurement, shard), {})
        kinds = [(name, value, _TYPE_NAMES[type(value)]) for name, value in point.fields]
        for name, _, kind in kinds:
            known = stored.get(name)
            if known is not None and known != kind and name != "time":
                return {}, _conflict(name, measurement, kind, known)
        added = self._added(measurement, shard)
        values: dict[str, FieldValue] = {}
        for name, value, kind in kinds:
            if name == "time":  # influxd ignores a field named time
                continue
            if name not in stored:
                created = added.get(name)
                if created is None:
                    added[name] = kind
                    self.new_fields.append((measurement, shard, name, kind))
                elif created != kind:
                    return {}, _conflict(name, measurement, kind, created) if check else "clash"
            values[name] = value
        return values, None

    def flush(self) -> None:
        conn = self._conn
        new = self.new
        conn.executemany(
            "INSERT INTO fields (measurement, shard, name, type) VALUES (?, ?, ?, ?)",
            self.new_fields,
        )
        conn.executemany(
            "INSERT INTO tag_keys (measurement, name) VALUES (?, ?)", list(new.tag_keys)
        )
        conn.executemany(
            "INSERT OR IGNORE INTO shards (start) VALUES (?)", [(s,) for s in new.shards]
        )
        conn.executemany(_UPSERT, self.rows)

    def publish(self) -> None:
        """After the commit: later requests see what this one created."""
        known, new = self._known, self.new
        known.series.update(new.series)
        for key, added in new.fields.items():
            known.fields.setdefault(key, {}).update(added)
        known.tag_keys.update(new.tag_keys)
        known.shards.update(new.shards)
