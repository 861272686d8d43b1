"""Aggregates of a SELECT: ``count``, ``sum``, ``mean``, ``min``, ``max``, ``first``, ``last``.

One row for all covered points, as influxd answers without GROUP BY: its time is the lower
time bound (0 without one), or the selected point's time for a lone ``first``, ``last``,
``min`` or ``max``; ties go as influxd's reducers break them (the earlier point for ``min`` and
``max``, the larger value for ``first`` and ``last``). ``count`` of a field under a tag-only
condition is counted by SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence

from devservers.embedded.tsdb.points import FieldValue
from devservers.embedded.tsdb.reading import QueryError, Ref, Scope, read

SELECTORS = frozenset({"first", "last", "min", "max"})
CALL_TYPES = {
    "count": {"float", "integer", "string", "boolean"},
    "first": {"float", "integer", "string", "boolean"},
    "last": {"float", "integer", "string", "boolean"},
    "min": {"float", "integer", "boolean"},
    "max": {"float", "integer", "boolean"},
    "sum": {"float", "integer"},
    "mean": {"float", "integer"},
}
_ITERATOR_TYPES = {
    "string": "*query.stringInterruptIterator",
    "boolean": "*query.booleanInterruptIterator",
}


class _Reducer:
    """One aggregate's running value; ``time`` is the selected point's for selectors."""

    def __init__(self, function: str) -> None:
        self.function = function
        self.count = 0
        self.value: FieldValue | None = None
        self.time = 0

    def add(self, time: int, value: FieldValue) -> None:
        function = self.function
        self.count += 1
        if self.count == 1:
            self.value, self.time = value, time
            return
        current = self.value
        assert current is not None
        if function in ("sum", "mean"):
            self.value = current + value  # type: ignore[operator]
        elif function == "min":
            if value < current or (value == current and time < self.time):  # type: ignore[operator]
                self.value, self.time = value, time
        elif function == "max":
            if value > current or (value == current and time < self.time):  # type: ignore[operator]
                self.value, self.time = value, time
        elif function == "first":
            if time < self.time or (time == self.time and value > current):  # type: ignore[operator]
                self.value, self.time = value, time
        elif function == "last" and (
            time > self.time or (time == self.time and value > current)  # type: ignore[operator]
        ):
            self.value, self.time = value, time

    def result(self) -> FieldValue | None:
        if self.count == 0:
            return None
        if self.function == "count":
            return self.count
        if self.function == "mean":
            return float(self.value) / self.count  # type: ignore[arg-type]
        return self.value


def aggregate(
    scope: Scope,
    calls: Sequence[tuple[str, Ref]],
    shard_types: dict[int, dict[str, str]],
    start: int,
) -> list[object] | None:
    for function, ref in calls:
        if function in ("sum", "mean", "min", "max") and ref.kind in _ITERATOR_TYPES:
            if function in ("min", "max") and ref.kind == "boolean":
                continue
            raise QueryError(f"unsupported {function} iterator type: {_ITERATOR_TYPES[ref.kind]}")
    if all(f == "count" for f, _ in calls) and not scope.per_point:
        counts = [_fast_count(scope, ref, shard_types) for _, ref in calls]
        values: list[object] = [n or None for n in counts]
        return [start, *values] if any(values) else None
    reducers = [_Reducer(f) for f, _ in calls]
    reads = [
        (reducer, ref.name, ref.kind) for reducer, (_, ref) in zip(reducers, calls, strict=True)
    ]
    reads = [item for item in reads if item[2] not in ("tag", "")]
    for _, low, high in scope.ranges():
        for series in scope.series:
            passes = scope.point_filter(series.tags)
            for time, fields in scope.snapshot.points(series.id, low, high):
                if not passes(fields):
                    continue
                for reducer, name, kind in reads:
                    value = read(fields.get(name), kind)
                    if value is not None:
                        reducer.add(time, value)
    answers = [r.result() for r in reducers]
    if all(v is None for v in answers):
        return None
    single_selector = len(reducers) == 1 and reducers[0].function in SELECTORS
    return [reducers[0].time if single_selector else start, *answers]


def _fast_count(scope: Scope, ref: Ref, shard_types: dict[int, dict[str, str]]) -> int:
    """count() of a field over the tag-filtered series, counted by SQLite."""
    if not ref.is_field:
        return 0
    if '"' in ref.name or "\\" in ref.name:
        return sum(
            1
            for _, low, high in scope.ranges()
            for s in scope.series
            for _, fields in scope.snapshot.points(s.id, low, high)
            if read(fields.get(ref.name), ref.kind) is not None
        )
    numeric = {"float", "integer"}
    total = 0
    for shard, low, high in scope.ranges():
        stored = shard_types[shard].get(ref.name)
        if stored is None or not (stored == ref.kind or {stored, ref.kind} <= numeric):
            continue
        total += sum(scope.snapshot.count(s.id, low, high, ref.name) for s in scope.series)
    return total
