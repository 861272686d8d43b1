"""JSON text as influxd writes it (Go's ``encoding/json``), so answers match byte for byte.

Go differs from Python's ``json`` in three ways a client can see: a float with an integral value
is written without a fraction (``1``, not ``1.0``) and very large or small ones as ``1e+21`` /
``1e-7``; ``<``, ``>``, ``&``, U+2028 and U+2029 are escaped as ``\\u003c`` and so on; and
backspace and form feed are ``\\u0008`` and ``\\u000c``. Times without ``epoch`` are RFC 3339
with trailing zeros of the fraction dropped, as Go's ``time.RFC3339Nano``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_GO_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
    "\b": "\\u0008",
    "\f": "\\u000c",
}
_GO_SPECIAL = frozenset(_GO_ESCAPES)


def go_float(value: float) -> str:
    """``strconv.AppendFloat`` as ``encoding/json`` calls it: shortest digits, ``e`` outside
    [1e-6, 1e21), and ``e-07`` shortened to ``e-7``."""
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    size = abs(value)
    text = repr(value)
    if size < 1e-6 or size >= 1e21:
        mantissa, _, exponent = text.partition("e")
        if exponent[0] == "-" and exponent[1] == "0" and len(exponent) == 3:
            exponent = "-" + exponent[2]
        return f"{mantissa}e{exponent}"
    if "e" in text:
        text = format(Decimal(text), "f")
    return text[:-2] if text.endswith(".0") else text


def go_string(text: str) -> str:
    plain = json.dumps(text, ensure_ascii=False)
    if _GO_SPECIAL.isdisjoint(text):
        return plain
    return (
        '"'
        + "".join(_GO_ESCAPES.get(c) or json.dumps(c, ensure_ascii=False)[1:-1] for c in text)
        + '"'
    )


def _go_int(value: int) -> str:
    return str(value)


def _go_bool(value: bool) -> str:
    return "true" if value else "false"


def _go_null(_: None) -> str:
    return "null"


_SCALARS: dict[type, Callable[[Any], str]] = {
    float: go_float,
    int: _go_int,
    str: go_string,
    bool: _go_bool,
    type(None): _go_null,
}


@dataclass(frozen=True)
class RawJSON:
    """Text already encoded, placed as is."""

    text: str


def encode(value: object) -> str:
    """Compact JSON of dicts (in insertion order), lists, tuples and scalars."""
    kind = type(value)
    scalar = _SCALARS.get(kind)
    if scalar is not None:
        return scalar(value)
    if kind is list:
        return "[" + ",".join(map(encode, value)) + "]"  # type: ignore[call-overload]
    if kind is RawJSON:
        return value.text  # type: ignore[attr-defined, no-any-return]
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{go_string(k)}:{encode(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Sequence):
        return "[" + ",".join(map(encode, value)) + "]"
    raise TypeError(f"cannot encode {type(value).__name__}")


def encode_rows(rows: list[list[object]]) -> str:
    """Rows of scalars as Go writes them, at C speed: ``json.dumps`` writes what Python and
    Go write alike (most floats, integers, plain strings); the rest is written by
    :func:`encode` into placeholders. Rows are changed in place."""
    token = secrets.token_hex(8)
    patches: dict[str, str] = {}
    for row in rows:
        for i, value in enumerate(row):
            if type(value) is float:
                if value.is_integer():
                    if -1e16 < value < 1e16 and (value or math.copysign(1.0, value) > 0):
                        row[i] = int(value)
                        continue
                elif abs(value) >= 1e-4:
                    continue
            elif type(value) is not str or _GO_SPECIAL.isdisjoint(value):
                continue
            mark = f"\0{token}{len(patches)}\0"
            patches[json.dumps(mark)] = encode(value)
            row[i] = mark
    text = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    for mark, patch in patches.items():
        text = text.replace(mark, patch)
    return text


_last_second: list[tuple[int, str]] = [(0, "1970-01-01T00:00:00")]


def rfc3339(ns: int) -> str:
    """Go's ``time.RFC3339Nano`` in UTC: ``2027-01-15T08:00:00.1Z``."""
    seconds, fraction = divmod(ns, 10**9)
    cached_second, text = _last_second[0]
    if seconds != cached_second:  # rows come in time order: most share the last one's second
        text = (_EPOCH + dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S")
        _last_second[0] = (seconds, text)
    if fraction:
        text += "." + f"{fraction:09d}".rstrip("0")
    return text + "Z"
