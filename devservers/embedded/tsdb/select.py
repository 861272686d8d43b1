"""SELECT on one measurement, answered as influxd 1.6 answers it.

Raw queries give one series named after the measurement: ``time`` and the selected columns
(``*`` is every field and tag of the shards the time range covers, sorted by name), a row per
point that has one of the selected fields, rows of several series in influxd's merge order
(:mod:`merge`). Aggregates give one row (:mod:`aggregate`). How names are read is
:mod:`reading`'s. GROUP BY, fill, INTO, SLIMIT, subqueries, regex sources and arithmetic in the
field list are refused.
"""

from __future__ import annotations

import itertools
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass

from devservers.embedded.tsdb.aggregate import CALL_TYPES, aggregate
from devservers.embedded.tsdb.influxql.ast import (
    BooleanLit,
    Call,
    DurationLit,
    Field,
    IntegerLit,
    Measurement,
    NumberLit,
    ParenExpr,
    SelectStatement,
    StringLit,
    UnsignedLit,
    VarRef,
    Wildcard,
)
from devservers.embedded.tsdb.merge import Row, sorted_merge
from devservers.embedded.tsdb.reading import (
    TYPE_ORDER,
    QueryError,
    Ref,
    Resolver,
    Scope,
    merge_types,
    read,
    unsupported,
)
from devservers.embedded.tsdb.store import Series, Snapshot
from devservers.embedded.tsdb.timerange import split_condition

SUPPORTED = frozenset({"count", "sum", "mean", "min", "max", "first", "last"})
OTHER_FUNCTIONS = frozenset(
    """bottom cumulative_sum derivative difference distinct elapsed holt_winters
    holt_winters_with_fit integral median mode moving_average non_negative_derivative
    non_negative_difference percentile sample spread stddev top abs acos asin atan atan2 ceil
    cos exp floor ln log log2 log10 pow round sin sqrt tan chande_momentum_oscillator
    exponential_moving_average double_exponential_moving_average kaufmans_efficiency_ratio
    kaufmans_adaptive_moving_average triple_exponential_moving_average
    triple_exponential_derivative relative_strength_index""".split()  # noqa: SIM905
)


@dataclass(frozen=True)
class ResultSeries:
    name: str
    columns: list[str]
    values: list[list[object]]
    """Rows whose first value is the time in nanoseconds."""


def target_measurement(statement: SelectStatement) -> Measurement:
    """The one measurement the statement reads (the only kind of source supported)."""
    if statement.target is not None:
        raise unsupported("SELECT ... INTO")
    if len(statement.sources) != 1:
        raise unsupported("reading several sources in one SELECT")
    source = statement.sources[0]
    if not isinstance(source, Measurement):
        raise unsupported("a subquery")
    if source.regex is not None:
        raise unsupported("a regular expression as the source")
    return source


def run(statement: SelectStatement, snapshot: Snapshot, now: int) -> list[ResultSeries]:
    """The series of ``statement``'s answer (none, or one named after the measurement)."""
    measurement = target_measurement(statement).name
    _check_clauses(statement)
    fields, time_column = _without_time(statement.fields)
    aggregated = _classify(fields)
    condition, time_range = split_condition(statement.condition, now)
    low, high = time_range.bounds
    if low > high:
        return []
    shards = snapshot.shards(measurement, low, high)
    if not shards:
        return []
    shard_types = snapshot.field_types(measurement, shards)
    resolver = Resolver(merge_types(shard_types), snapshot.tag_keys(measurement))
    scope = Scope(snapshot, shards, low, high, resolver, condition, snapshot.series(measurement))
    # influxd 1.6 answers an OFFSET without a LIMIT with one row.
    limit = statement.limit or (1 if statement.offset else 0)
    stop = statement.offset + limit if limit else None
    if aggregated:
        calls = _expand_calls(fields, resolver)
        columns = [time_column, *_column_names([f for f, _, _ in calls])]
        start = 0 if time_range.low is None else time_range.low
        row = aggregate(scope, [(c, r) for _, c, r in calls], shard_types, start)
        rows = [row][statement.offset : stop] if row is not None else []
    else:
        refs = _expand_refs(fields, resolver)
        columns = [time_column, *_column_names([f for f, _ in refs])]
        raw = _raw(scope, [r for _, r in refs], statement.ascending)
        try:
            rows = list(itertools.islice(raw, statement.offset, stop))
        finally:
            raw.close()  # ends the series' cursors that LIMIT left unread
    return [ResultSeries(measurement, columns, rows)] if rows else []


def _check_clauses(statement: SelectStatement) -> None:
    if statement.dimensions:
        raise unsupported("GROUP BY")
    if statement.fill != "null":
        raise unsupported("fill()")
    if statement.slimit or statement.soffset:
        raise unsupported("SLIMIT and SOFFSET")
    if statement.location is not None:
        raise unsupported("tz()")


def _without_time(fields: Sequence[Field]) -> tuple[list[Field], str]:
    """influxd always selects time first; ``time`` in the field list only names that column."""
    kept: list[Field] = []
    name = "time"
    for field in fields:
        if isinstance(field.expr, VarRef) and field.expr.name == "time":
            name = field.alias or name
        else:
            kept.append(field)
    if not kept:
        raise QueryError("at least 1 non-time field must be queried")
    return kept, name


def _classify(fields: Sequence[Field]) -> bool:
    """Whether the fields are aggregates (all of them) rather than raw values."""
    calls = raw = 0
    for field in fields:
        expr = field.expr
        while isinstance(expr, ParenExpr):
            expr = expr.expr
        if isinstance(expr, Call):
            _check_call(expr)
            calls += 1
        elif isinstance(expr, VarRef | Wildcard):
            raw += 1
        elif isinstance(
            expr, StringLit | IntegerLit | UnsignedLit | NumberLit | BooleanLit | DurationLit
        ):
            raise QueryError("field must contain at least one variable")
        else:
            raise unsupported("this kind of SELECT field (arithmetic, DISTINCT, regex)")
    if calls and raw:
        raise QueryError("mixing aggregate and non-aggregate queries is not supported")
    return calls > 0


def _check_call(call: Call) -> None:
    if call.name not in SUPPORTED:
        if call.name in OTHER_FUNCTIONS:
            raise unsupported(f"{call.name}()")
        raise QueryError(f"undefined function {call.name}()")
    if len(call.args) != 1:
        raise QueryError(
            f"invalid number of arguments for {call.name}, expected 1, got {len(call.args)}"
        )
    if not isinstance(call.args[0], VarRef | Wildcard):
        if isinstance(call.args[0], Call):
            raise unsupported(f"a function inside {call.name}()")
        raise QueryError(f"expected field argument in {call.name}()")


def _expand_refs(fields: Sequence[Field], resolver: Resolver) -> list[tuple[Field, Ref]]:
    expanded: list[tuple[Field, Ref]] = []
    for field in fields:
        expr = field.expr
        while isinstance(expr, ParenExpr):
            expr = expr.expr
        if isinstance(expr, Wildcard):
            expanded += [(Field(VarRef(r.name)), r) for r in resolver.wildcard(expr.type)]
        elif isinstance(expr, VarRef):
            expanded.append((field, resolver.resolve(expr)))
    return expanded


def _expand_calls(fields: Sequence[Field], resolver: Resolver) -> list[tuple[Field, str, Ref]]:
    expanded: list[tuple[Field, str, Ref]] = []
    for field in fields:
        expr = field.expr
        while isinstance(expr, ParenExpr):
            expr = expr.expr
        assert isinstance(expr, Call)
        arg = expr.args[0]
        if isinstance(arg, Wildcard):
            for ref in resolver.wildcard("FIELD"):
                if ref.kind in CALL_TYPES[expr.name]:
                    alias = f"{field.name()}_{ref.name}"
                    expanded.append((Field(expr, alias), expr.name, ref))
        else:
            assert isinstance(arg, VarRef)
            expanded.append((field, expr.name, resolver.resolve(arg)))
    return expanded


def _column_names(fields: Sequence[Field]) -> list[str]:
    """influxql's ``ColumnNames``: aliases as given, other names numbered on repeats."""
    names = [f.alias for f in fields]
    seen: dict[str, int] = {alias: 1 for alias in names if alias}
    for i, field in enumerate(fields):
        if names[i]:
            continue
        name = field.name()
        count = seen.get(name)
        if count is not None:
            while f"{name}_{count}" in seen:
                count += 1
            seen[name] = count + 1
            name = f"{name}_{count}"
        seen[name] = seen.get(name, 0) + 1
        names[i] = name
    return names


def _raw(scope: Scope, refs: Sequence[Ref], ascending: bool) -> Generator[list[object], None, None]:
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
    scope: Scope,
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
    passes = scope.point_filter(series.tags)
    for time, fields in scope.snapshot.points(series.id, low, high, descending=not ascending):
        row = template.copy()
        found = False
        for index, name, kind in field_columns:
            value = read(fields.get(name), kind)
            if value is not None:
                row[index] = value
                found = True
        if found and passes(fields):
            row[0] = time
            yield Row(time, (), row)


def _with_aux(rows: Iterator[Row], columns: list[int]) -> Iterator[Row]:
    for row in rows:
        yield Row(row.time, tuple(row.values[i] for i in columns), row.values)
