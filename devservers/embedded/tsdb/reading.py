"""What a SELECT reads: names resolved to fields or tags, the series and shards it covers.

A name is a field if a covered shard has one by that name, read with the type the shards agree
on (the lowest of float, integer, string, boolean); else a tag if the measurement has that tag
key; else nothing. Floats and integers are converted into each other, any other mismatch reads
as missing. The tag part of WHERE is applied once per series; a condition on fields, per point.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from devservers.embedded.tsdb.evaluate import matches, var_refs
from devservers.embedded.tsdb.influxql.ast import Expr, VarRef
from devservers.embedded.tsdb.points import FieldValue
from devservers.embedded.tsdb.shards import shard_end
from devservers.embedded.tsdb.store import Series, Snapshot

TYPE_ORDER = {"float": 1, "integer": 2, "string": 3, "boolean": 4, "tag": 7, "": 0}


class QueryError(Exception):
    """A statement influxd runs but refuses; the message is its error."""


def unsupported(what: str) -> QueryError:
    return QueryError(f"{what} is not supported by the embedded time-series store")


@dataclass(frozen=True)
class Ref:
    """A selected name as read: a field as ``kind`` (float, integer, string, boolean), a tag
    (``tag``) or nothing at all (``""``)."""

    name: str
    kind: str

    @property
    def is_field(self) -> bool:
        return self.kind not in ("tag", "")


def read(value: FieldValue | None, kind: str) -> FieldValue | None:
    """A stored value as ``kind``: floats and integers convert, other mismatches are missing."""
    if value is None:
        return None
    stored = type(value)
    if kind == "float":
        return value if stored is float else float(value) if stored is int else None
    if kind == "integer":
        return value if stored is int else int(value) if stored is float else None
    if kind == "string":
        return value if stored is str else None
    if kind == "boolean":
        return value if stored is bool else None
    return None


def merge_types(shard_types: dict[int, dict[str, str]]) -> dict[str, str]:
    """A field's type across shards: influxd takes the lowest of float < integer < string <
    boolean."""
    merged: dict[str, str] = {}
    for types in shard_types.values():
        for name, kind in types.items():
            if name not in merged or TYPE_ORDER[kind] < TYPE_ORDER[merged[name]]:
                merged[name] = kind
    return merged


class Resolver:
    def __init__(self, field_types: dict[str, str], tag_keys: set[str]) -> None:
        self.field_types = field_types
        self.tag_keys = tag_keys

    def resolve(self, ref: VarRef) -> Ref:
        hint = ref.type
        if hint == "tag":
            return Ref(ref.name, "tag")
        if hint in ("float", "integer", "string", "boolean"):
            return Ref(ref.name, hint)
        if ref.name in self.field_types:
            return Ref(ref.name, self.field_types[ref.name])
        if hint != "field" and ref.name in self.tag_keys:
            return Ref(ref.name, "tag")
        return Ref(ref.name, "")

    def wildcard(self, kind: str) -> list[Ref]:
        refs = []
        if kind in ("", "FIELD"):
            refs += [Ref(n, t) for n, t in self.field_types.items()]
        if kind in ("", "TAG"):
            refs += [Ref(n, "tag") for n in self.tag_keys]
        return sorted(refs, key=lambda r: (r.name, TYPE_ORDER[r.kind]))


@dataclass
class Scope:
    """What a statement reads: shards, time bounds, series passing the tag part of WHERE."""

    snapshot: Snapshot
    shards: list[int]
    low: int
    high: int
    resolver: Resolver
    condition: Expr | None
    all_series: list[Series]

    def __post_init__(self) -> None:
        refs = {ref: self.resolver.resolve(ref) for ref in var_refs(self.condition)}
        self.condition_refs = refs
        self.per_point = any(r.is_field for r in refs.values())
        condition = self.condition
        if condition is None or self.per_point:
            self.series = self.all_series
        else:
            self.series = [
                s for s in self.all_series if matches(condition, self._tag_lookup(s.tags))
            ]

    def _tag_lookup(self, tags: dict[str, str]) -> Callable[[VarRef], object]:
        return lambda ref: tags.get(ref.name, "")

    def point_filter(self, tags: dict[str, str]) -> Callable[[dict[str, FieldValue]], bool]:
        """Whether a point of a series with ``tags`` passes the WHERE clause."""
        condition = self.condition
        if condition is None or not self.per_point:
            return lambda _: True
        refs = self.condition_refs

        def passes(fields: dict[str, FieldValue]) -> bool:
            def lookup(ref: VarRef) -> object:
                resolved = refs[ref]
                if resolved.is_field:
                    return read(fields.get(ref.name), resolved.kind)
                return tags.get(ref.name, "")

            return matches(condition, lookup)

        return passes

    def ranges(self, ascending: bool = True) -> list[tuple[int, int, int]]:
        """(shard, low, high) of each covered shard, in reading order."""
        spans = [(s, max(self.low, s), min(self.high, shard_end(s))) for s in self.shards]
        return spans if ascending else spans[::-1]
