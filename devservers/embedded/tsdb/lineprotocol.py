"""Line protocol: the points of a write body, with influxd's per-line errors.

A pure function over the body. Plain lines (no escapes, single spaces) go through one regular
expression; any other line goes to :mod:`linescan`, a port of influxd 1.6's scanner, so the
points accepted and the error texts (``unable to parse '...': missing fields``) are influxd's.
"""

from __future__ import annotations

import math
import re

from devservers.embedded.tsdb.linescan import parse_block, scan_line
from devservers.embedded.tsdb.points import (
    BOOLEANS,
    FieldValue,
    Parsed,
    Point,
    default_time,
    series_key,
    timestamp,
)


def parse(body: bytes, precision: str = "n", now_ns: int = 0) -> Parsed:
    """All the points of ``body`` and an error per line influxd would refuse."""
    text = body.decode("utf-8", "replace")
    default = default_time(now_ns, precision)
    points: list[Point] = []
    errors: list[str] = []
    pos = 0
    size = len(text)
    while pos < size:
        end = text.find("\n", pos)
        if end < 0:
            end = size
        segment = text[pos:end]
        point = _fast_point(segment, default, precision)
        if point is not None:
            points.append(point)
            pos = end + 1
            continue
        if _skippable(segment):
            pos = end + 1
            continue
        end, block = scan_line(text, pos)
        pos = end + 1
        parse_block(block, default, precision, points, errors)
    return Parsed(points, errors)


def _skippable(segment: str) -> bool:
    """A blank or comment line that cannot open a quote or escape its newline."""
    if '"' in segment or "\\" in segment:
        return False
    stripped = segment.lstrip(" \t\0")
    return not stripped or stripped[0] == "#"


# --- the fast path --------------------------------------------------------------------------

_PLAIN = r'[^\s,\\"=]'
_FIELD = rf'(?:[^\s,\\"=\0]{_PLAIN}*)=(?:"[^"\\]*"|{_PLAIN}+)'
_LINE = re.compile(
    rf'([^\s,\\"=#\0]{_PLAIN}*)((?:,{_PLAIN}+={_PLAIN}+)*) ({_FIELD}(?:,{_FIELD})*)(?: (-?[0-9]+))?'
)
_FIELD_PARTS = re.compile(rf'([^\s,\\"=\0]{_PLAIN}*)=("[^"\\]*"|{_PLAIN}+)')


def _fast_value(raw: str) -> FieldValue | None:
    """The value of a plain field, or ``None`` for the exact scanner to decide."""
    first = raw[0]
    if first == '"':
        return raw[1:-1]
    if first not in "0123456789.-":
        return BOOLEANS.get(raw)
    if not raw.isascii() or "_" in raw:  # Python's int() and float() take more than Go's
        return None
    try:
        if raw[-1] == "i":
            number = int(raw[:-1])
            return number if -(2**63) <= number < 2**63 else None
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _fast_point(line: str, default: int, precision: str) -> Point | None:
    """The point of a plain line, or ``None`` for the exact scanner to decide."""
    if len(line) > 16_000:  # keys near influxd's 64 KiB limit: let the scanner measure bytes
        return None
    match = _LINE.fullmatch(line)
    if match is None:
        return None
    measurement, tag_text, field_text, stamp = match.groups()
    if tag_text:
        pairs = [item.split("=") for item in tag_text[1:].split(",")]
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys):
            return None
        tags = tuple(sorted((k, v) for k, v in pairs))
        key = measurement + tag_text if keys == sorted(keys) else series_key(measurement, tags)
    else:
        tags = ()
        key = measurement
    fields: list[tuple[str, FieldValue]] = []
    for name, raw in _FIELD_PARTS.findall(field_text):
        value = _fast_value(raw)
        if value is None:
            return None
        fields.append((name, value))
    if stamp is None:
        time = default
    else:
        try:
            time = timestamp(int(stamp), precision)
        except ValueError:
            return None
    return Point(measurement, tags, key, tuple(fields), time)
