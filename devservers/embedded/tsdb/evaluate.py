"""The non-time part of a WHERE clause, evaluated on one point as influxql's ``ValuerEval``.

Its rules differ from Python's on purpose: a missing field makes any comparison false (``!=``
too, even beside a boolean, as influxd 1.6 reads points); integers and floats compare with each
other; strings compare only with ``=``, ``!=``, ``=~`` and ``!~``; integer division gives a
float and dividing by zero gives zero. A name is a tag when it is not a field; a missing tag is
the empty string, as influxd's index sees it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import cache

from devservers.embedded.tsdb.influxql.ast import (
    BinaryExpr,
    BooleanLit,
    DurationLit,
    Expr,
    IntegerLit,
    NumberLit,
    ParenExpr,
    RegexLit,
    StringLit,
    UnsignedLit,
    VarRef,
)

Lookup = Callable[[VarRef], object]
"""The value of a name on the point being filtered (``None`` if it has none)."""

_COMPARE = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
_WRAP = 2**63


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def var_refs(expr: Expr | None) -> list[VarRef]:
    """Every name the expression reads."""
    found: list[VarRef] = []
    stack = [expr] if expr is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, VarRef):
            found.append(node)
        elif isinstance(node, BinaryExpr):
            stack += [node.lhs, node.rhs]
        elif isinstance(node, ParenExpr):
            stack.append(node.expr)
    return found


def matches(expr: Expr, lookup: Lookup) -> bool:
    """Whether the point passes: the expression evaluates to ``true``."""
    return evaluate(expr, lookup) is True


def evaluate(expr: Expr, lookup: Lookup) -> object:
    match expr:
        case VarRef():
            return lookup(expr)
        case BinaryExpr(op, lhs, rhs):
            return _binary(op, evaluate(lhs, lookup), evaluate(rhs, lookup))
        case ParenExpr(inner):
            return evaluate(inner, lookup)
        case StringLit(value):
            return value
        case IntegerLit(value) | UnsignedLit(value):
            return value
        case NumberLit(value):
            return value
        case BooleanLit(value):
            return value
        case RegexLit(pattern):
            return _regex(pattern)
        case DurationLit(ns):
            return ("duration", ns)
    return None


def _binary(op: str, lhs: object, rhs: object) -> object:
    if isinstance(lhs, bool):
        if not isinstance(rhs, bool):
            return False if op in ("AND", "OR", "=", "!=") else _incomparable(op)
        if op == "AND":
            return lhs and rhs
        if op == "OR":
            return lhs or rhs
        if op in ("=", "!="):
            return _COMPARE[op](lhs, rhs)
        return _incomparable(op)
    if isinstance(lhs, int | float) and isinstance(rhs, int | float) and not isinstance(rhs, bool):
        if op in _COMPARE:
            return _COMPARE[op](lhs, rhs)
        return _arithmetic(op, lhs, rhs)
    if isinstance(lhs, int | float) and op in ("+", "-", "*", "/", "%"):
        return None
    if isinstance(lhs, str):
        if op in ("=", "!="):
            return isinstance(rhs, str) and _COMPARE[op](lhs, rhs)
        if op in ("=~", "!~"):
            if not isinstance(rhs, re.Pattern):
                return False
            found = rhs.search(lhs) is not None
            return found if op == "=~" else not found
    return _incomparable(op)


def _incomparable(op: str) -> object:
    return False if op in _COMPARE else None


def _arithmetic(op: str, lhs: int | float, rhs: int | float) -> object:
    both_int = isinstance(lhs, int) and isinstance(rhs, int)
    if op == "/":
        return 0.0 if rhs == 0 else lhs / rhs
    if op == "%":
        if rhs == 0:
            return 0 if both_int else math.nan
        return math.fmod(lhs, rhs) if not both_int else int(math.fmod(lhs, rhs))
    result = {"+": lhs + rhs, "-": lhs - rhs, "*": lhs * rhs}.get(op)
    if result is None:
        return None
    if both_int:
        return (int(result) + _WRAP) % (2 * _WRAP) - _WRAP  # Go's int64 wraps around
    return result
