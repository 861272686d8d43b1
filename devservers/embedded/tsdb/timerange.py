"""A WHERE clause split as influxd splits it: the time bounds, and the rest.

influxd pulls every comparison with ``time`` out of the condition and intersects them, whatever
AND or OR joined them ("there is no such thing as using OR with a time range"), then filters on
what is left. A bound may be an integer of nanoseconds, an RFC 3339 or ``YYYY-MM-DD[ HH:MM:SS]``
string, or ``now()`` plus or minus a duration. Pure: ``now`` is given.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from devservers.embedded.tsdb.influxql.ast import (
    BinaryExpr,
    BooleanLit,
    Call,
    DurationLit,
    Expr,
    IntegerLit,
    NumberLit,
    ParenExpr,
    StringLit,
    TimeLit,
    UnsignedLit,
    VarRef,
    render,
)
from devservers.embedded.tsdb.points import MAX_TIME, MIN_TIME

_GO_TYPES = {
    StringLit: "*influxql.StringLiteral",
    BooleanLit: "*influxql.BooleanLiteral",
    VarRef: "*influxql.VarRef",
    BinaryExpr: "*influxql.BinaryExpr",
    Call: "*influxql.Call",
    ParenExpr: "*influxql.ParenExpr",
    UnsignedLit: "*influxql.UnsignedLiteral",
}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}.+")
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})"
)
_SPACED = re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class ConditionError(Exception):
    """A condition influxd refuses when running the statement."""


@dataclass(frozen=True)
class TimeRange:
    low: int | None = None
    high: int | None = None

    def intersect(self, other: TimeRange) -> TimeRange:
        low, high = self.low, self.high
        if other.low is not None and (low is None or other.low > low):
            low = other.low
        if other.high is not None and (high is None or other.high < high):
            high = other.high
        return TimeRange(low, high)

    @property
    def bounds(self) -> tuple[int, int]:
        """[low, high] with influxd's defaults: every point there is."""
        return (
            MIN_TIME if self.low is None else self.low,
            MAX_TIME if self.high is None else self.high,
        )


def split_condition(condition: Expr | None, now: int) -> tuple[Expr | None, TimeRange]:
    """The condition without its time comparisons, and the bounds they set."""
    if condition is None:
        return None, TimeRange()
    if isinstance(condition, BinaryExpr):
        if condition.op in ("AND", "OR"):
            left, left_range = split_condition(condition.lhs, now)
            right, right_range = split_condition(condition.rhs, now)
            bounds = left_range.intersect(right_range)
            if right is None:
                return left, bounds
            if left is None:
                return right, bounds
            return BinaryExpr(condition.op, left, right), bounds
        if _is_time(condition.lhs):
            return None, _time_range(condition.op, condition.rhs, now)
        if _is_time(condition.rhs):
            flipped = {">": "<", "<": ">", ">=": "<=", "<=": ">="}.get(condition.op, condition.op)
            return None, _time_range(flipped, condition.lhs, now)
        return reduce(condition, now), TimeRange()
    if isinstance(condition, ParenExpr):
        inner, bounds = split_condition(condition.expr, now)
        return (None if inner is None else ParenExpr(inner)), bounds
    if isinstance(condition, BooleanLit):
        return condition, TimeRange()
    raise ConditionError(f"invalid condition expression: {render(condition)}")


def _is_time(expr: Expr) -> bool:
    return isinstance(expr, VarRef) and expr.name.lower() == "time"


def _time_range(op: str, value: Expr, now: int) -> TimeRange:
    if isinstance(value, StringLit) and (
        _DATE_TIME.fullmatch(value.value) or _DATE.fullmatch(value.value)
    ):
        value = TimeLit(parse_time_string(value.value))
    value = reduce(value, now)
    match value:
        case TimeLit(ns):
            if ns > MAX_TIME:
                raise ConditionError(f"time {_rfc3339_seconds(ns)} overflows time literal")
            if ns < MIN_TIME + 1:
                raise ConditionError(f"time {_rfc3339_seconds(ns)} underflows time literal")
            at = ns
        case DurationLit(ns):
            at = ns
        case NumberLit(number):
            at = int(number)
        case IntegerLit(number):
            at = number
        case _:
            name = _GO_TYPES.get(type(value), f"*influxql.{type(value).__name__}")
            raise ConditionError(f"invalid operation: time and {name} are not compatible")
    if op == ">":
        return TimeRange(low=at + 1)
    if op == ">=":
        return TimeRange(low=at)
    if op == "<":
        return TimeRange(high=at - 1)
    if op == "<=":
        return TimeRange(high=at)
    if op == "=":
        return TimeRange(at, at)
    raise ConditionError(f"invalid time comparison operator: {op}")


def _rfc3339_seconds(ns: int) -> str:
    moment = _EPOCH + dt.timedelta(microseconds=ns // 1000)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time_string(text: str) -> int:
    """A time string of a condition in nanoseconds (UTC unless it says otherwise)."""
    if _DATE.fullmatch(text):
        parts: tuple[str | None, ...] = (*text.split("-"), "0", "0", "0", None, "Z")
    elif match := _SPACED.fullmatch(text):
        parts = (*match.groups(), "Z")
    elif match := _RFC3339.fullmatch(text):
        parts = match.groups()
    else:
        raise ConditionError("invalid timestamp string")
    year, month, day, hour, minute, second = (int(p or 0) for p in parts[:6])
    fraction, zone = parts[6], parts[7] or "Z"
    try:
        moment = dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)
    except ValueError:
        raise ConditionError("invalid timestamp string") from None
    offset = 0 if zone == "Z" else (int(zone[1:3]) * 60 + int(zone[4:6])) * 60
    seconds = (moment - _EPOCH) // dt.timedelta(seconds=1) - (offset if zone[0] == "+" else -offset)
    return seconds * 10**9 + int((fraction or "").ljust(9, "0"))


def reduce(expr: Expr, now: int) -> Expr:
    """Literal arithmetic folded and ``now()`` replaced, as influxql's ``Reduce`` does."""
    match expr:
        case Call("now", ()):
            return TimeLit(now)
        case ParenExpr(inner):
            reduced = reduce(inner, now)
            return reduced if _literal(reduced) else ParenExpr(reduced)
        case BinaryExpr(op, lhs, rhs):
            left, right = reduce(lhs, now), reduce(rhs, now)
            folded = _fold(op, left, right)
            return folded if folded is not None else BinaryExpr(op, left, right)
    return expr


def _literal(expr: Expr) -> bool:
    return isinstance(expr, IntegerLit | NumberLit | DurationLit | TimeLit | BooleanLit)


def _fold(op: str, left: Expr, right: Expr) -> Expr | None:
    """One step of influxql's literal folding, for the types a time bound can have."""
    match left, right:
        case TimeLit(a), DurationLit(b) if op in "+-":
            return TimeLit(a + b if op == "+" else a - b)
        case DurationLit(a), TimeLit(b) if op == "+":
            return TimeLit(a + b)
        case TimeLit(a), TimeLit(b) if op == "-":
            return DurationLit(a - b)
        case ((DurationLit(a) | IntegerLit(a)), DurationLit(b)) if op in "+-":
            return DurationLit(a + b if op == "+" else a - b)
        case DurationLit(a), IntegerLit(b) if op in "+-*/":
            return DurationLit(_integer_op(op, a, b))
        case IntegerLit(a), IntegerLit(b) if op in "+-*%":
            return IntegerLit(_integer_op(op, a, b))
        case IntegerLit(a), IntegerLit(b) if op == "/":
            return NumberLit(0.0 if b == 0 else a / b)
        case ((IntegerLit(a) | NumberLit(a)), (IntegerLit(b) | NumberLit(b))) if op in "+-*/":
            return NumberLit(_float_op(op, float(a), float(b)))
    return None


def _integer_op(op: str, a: int, b: int) -> int:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if b == 0:
        return 0
    return int(a / b) if op == "/" else a - b * int(a / b)


def _float_op(op: str, a: float, b: float) -> float:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    return 0.0 if b == 0 else a / b
