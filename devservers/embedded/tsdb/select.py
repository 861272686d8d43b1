"""A :class:`Select` on one measurement, answered as influxd 1.6 answers it.

Names are read as influxd reads them: a field if a covered shard has one by that name, with the
type the shards agree on (the lowest of float, integer, string, boolean; floats and integers
convert into each other, other mismatches read as missing); else a tag (a missing one is the
empty string); else nothing. Comparisons with ``time`` bound the read; those on tags choose the
series, those on fields the points, by influxql's rules (a missing field compares false,
strings and booleans only with ``=`` and ``!=``).

A raw query gives one series named after the measurement: ``time`` and the selected columns
(``*`` is every field and tag of the covered shards, sorted by name), a row per point that has
one of the selected fields, rows of several series in influxd's merge order (:mod:`merge`).
``count`` gives one row, at the lower time bound (0 without one).
"""

from __future__ import annotations

import itertools
import operator
import re
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from devservers.embedded.tsdb.merge import Row, sorted_merge
from devservers.embedded.tsdb.points import MAX_TIME, MIN_TIME, FieldValue
from devservers.embedded.tsdb.shards import shard_end
from devservers.embedded.tsdb.statements import Comparison, Select, Value
from devservers.embedded.tsdb.store import Series, Snapshot

TYPE_ORDER = {"float": 1, "integer": 2, "string": 3, "boolean": 4, "tag": 7, "": 0}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_]+")


class QueryError(Exception):
    """A statement influxd runs but refuses; the message is its error."""


@dataclass(frozen=True)
class ResultSeries:
    name: str
    columns: list[str]
    values: list[list[object]]
    """Rows whose first value is the time in nanoseconds."""


@dataclass(frozen=True)
class Ref:
    """A name as read: a field as ``kind`` (float, integer, string, boolean), a tag (``tag``)
    or nothing at all (``""``)."""

    name: str
    kind: str

    @property
    def is_field(self) -> bool:
        return self.kind not in ("tag", "")


def read(value: FieldValue | None, kind: str) -> FieldValue | None:
    """A stored value as ``kind``: floats and integers convert, other mismatches are missing."""
    stored = type(value)
    if kind == "float" and stored in (float, int):
        return float(value)  # type: ignore[arg-type]
    if kind == "integer" and stored in (float, int):
        return int(value)  # type: ignore[arg-type]
    return value if (kind, stored) in (("string", str), ("boolean", bool)) else None


def compare(actual: object, op: str, expected: Value) -> bool:
    """influxql's ``actual op expected`` on a point: false when the two cannot be compared."""
    if actual is None:
        return False
    textual = isinstance(actual, bool | str) or isinstance(expected, bool | str)
    if textual and (type(actual) is not type(expected) or op not in ("=", "!=")):
        return False  # strings and booleans compare only for (in)equality, with their kind
    return _COMPARE[op](actual, expected)


def time_bounds(where: Sequence[Comparison]) -> tuple[int | None, int | None]:
    """The time range the comparisons with ``time`` intersect to (``None``: unbounded)."""
    low: int | None = None
    high: int | None = None
    for c in where:
        if c.name.lower() != "time":
            continue
        at = int(c.value)
        if c.op in (">", ">=", "="):
            bound = at + 1 if c.op == ">" else at
            low = bound if low is None else max(low, bound)
        if c.op in ("<", "<=", "="):
            bound = at - 1 if c.op == "<" else at
            high = bound if high is None else min(high, bound)
    return low, high


class _Scope:
    """What a statement reads: the covered shards, their field types and the series chosen."""

    def __init__(
        self, statement: Select, snapshot: Snapshot, low: int, high: int, shards: list[int]
    ) -> None:
        measurement = statement.measurement
        self.snapshot = snapshot
        self.low, self.high, self.shards = low, high, shards
        self.shard_types = snapshot.field_types(measurement, shards)
        self.types: dict[str, str] = {}
        for types in self.shard_types.values():
            for name, kind in types.items():
                if name not in self.types or TYPE_ORDER[kind] < TYPE_ORDER[self.types[name]]:
                    self.types[name] = kind
        self.tag_keys = snapshot.tag_keys(measurement)
        where = [(self.resolve(c.name), c) for c in statement.where if c.name.lower() != "time"]
        self.on_fields = [(r, c) for r, c in where if r.is_field]
        on_tags = [c for r, c in where if not r.is_field]
        self.series = [
            s
            for s in snapshot.series(measurement)
            if all(compare(s.tags.get(c.name, ""), c.op, c.value) for c in on_tags)
        ]

    def resolve(self, name: str) -> Ref:
        if name in self.types:
            return Ref(name, self.types[name])
        return Ref(name, "tag" if name in self.tag_keys else "")

    def wildcard(self) -> list[Ref]:
        refs = [Ref(n, t) for n, t in self.types.items()] + [Ref(n, "tag") for n in self.tag_keys]
        return sorted(refs, key=lambda r: (r.name, TYPE_ORDER[r.kind]))

    def passes(self, fields: dict[str, FieldValue]) -> bool:
        """Whether a point passes the comparisons on fields."""
        return all(
            compare(read(fields.get(r.name), r.kind), c.op, c.value) for r, c in self.on_fields
        )

    def ranges(self, ascending: bool = True) -> list[tuple[int, int, int]]:
        """(shard, low, high) of each covered shard, in reading order."""
        spans = [(s, max(self.low, s), min(self.high, shard_end(s))) for s in self.shards]
        return spans if ascending else spans[::-1]


def run(statement: Select, snapshot: Snapshot) -> list[ResultSeries]:
    """The series of ``statement``'s answer (none, or one named after the measurement)."""
    low_bound, high_bound = time_bounds(statement.where)
    low = MIN_TIME if low_bound is None else low_bound
    high = MAX_TIME if high_bound is None else high_bound
    measurement = statement.measurement
    shards = snapshot.shards(measurement, low, high) if low <= high else []
    if not shards:
        return []
    scope = _Scope(statement, snapshot, low, high, shards)
    if statement.count:
        total = _count(scope, scope.resolve(statement.names[0]))
        rows: list[list[object]] = [[low_bound or 0, total]] if total else []
        return [ResultSeries(measurement, ["time", "count"], rows)] if rows else []
    names = [n for n in statement.names if n != "time"]
    if statement.names and not names:
        raise QueryError("at least 1 non-time field must be queried")
    refs = [scope.resolve(n) for n in names] if names else scope.wildcard()
    raw = _raw(scope, refs, not statement.descending)
    try:
        rows = list(itertools.islice(raw, statement.limit or None))
    finally:
        raw.close()  # ends the series' cursors that LIMIT left unread
    return [ResultSeries(measurement, ["time", *_column_names(refs)], rows)] if rows else []


def _column_names(refs: Sequence[Ref]) -> list[str]:
    """influxql's ``ColumnNames``: a repeated name numbered (``a``, ``a_1``)."""
    seen: dict[str, int] = {}
    names = []
    for ref in refs:
        name = ref.name
        count = seen.get(name)
        if count is not None:
            while f"{name}_{count}" in seen:
                count += 1
            seen[name] = count + 1
            name = f"{name}_{count}"
        seen[name] = seen.get(name, 0) + 1
        names.append(name)
    return names


def _count(scope: _Scope, ref: Ref) -> int:
    """How many covered points have the field ``ref`` (as its type) and pass the condition;
    counted by SQLite when no condition is on fields."""
    if not ref.is_field:
        return 0
    if scope.on_fields or not _PLAIN_NAME.fullmatch(ref.name):
        return sum(
            1
            for _, low, high in scope.ranges()
            for s in scope.series
            for _, fields in scope.snapshot.points(s.id, low, high)
            if read(fields.get(ref.name), ref.kind) is not None and scope.passes(fields)
        )
    total = 0
    for shard, low, high in scope.ranges():
        stored = scope.shard_types[shard].get(ref.name)
        if stored == ref.kind or {stored, ref.kind} <= {"float", "integer"}:
            total += sum(scope.snapshot.count(s.id, low, high, ref.name) for s in scope.series)
    return total


def _raw(
    scope: _Scope, refs: Sequence[Ref], ascending: bool
) -> Generator[list[object], None, None]:
    tag_columns = [(i + 1, r.name) for i, r in enumerate(refs) if r.kind == "tag"]
    field_columns = [(i + 1, r.name, r.kind) for i, r in enumerate(refs) if r.is_field]
    aux_refs = sorted(set(refs), key=lambda r: (r.name, TYPE_ORDER[r.kind]))
    aux_columns = [refs.index(r) + 1 for r in aux_refs]
    series = scope.series if ascending else scope.series[::-1]
    for _, low, high in scope.ranges(ascending):
        inputs = [
            _series_rows(scope, s, low, high, ascending, len(refs), tag_columns, field_columns)
            for s in series
        ]
        if len(inputs) > 1:
            inputs = [_with_aux(rows, aux_columns) for rows in inputs]
        for row in sorted_merge(inputs, ascending):
            yield row.values


def _series_rows(
    scope: _Scope,
    series: Series,
    low: int,
    high: int,
    ascending: bool,
    width: int,
    tag_columns: list[tuple[int, str]],
    field_columns: list[tuple[int, str, str]],
) -> Iterator[Row]:
    template: list[object] = [None] * (width + 1)
    for index, name in tag_columns:
        template[index] = series.tags.get(name)
    for time, fields in scope.snapshot.points(series.id, low, high, descending=not ascending):
        row = template.copy()
        found = False
        for index, name, kind in field_columns:
            value = read(fields.get(name), kind)
            if value is not None:
                row[index] = value
                found = True
        if found and scope.passes(fields):
            row[0] = time
            yield Row(time, (), row)


def _with_aux(rows: Iterator[Row], columns: list[int]) -> Iterator[Row]:
    for row in rows:
        yield Row(row.time, tuple(row.values[i] for i in columns), row.values)
