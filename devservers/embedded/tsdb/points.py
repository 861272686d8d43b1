"""A point of line protocol and the rules around it: time range, precisions, series keys.

Shared by the reading of a write body (:mod:`lineprotocol`) and the store, which keeps points by
series key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

FieldValue = float | int | str | bool

MIN_TIME: Final = -(2**63) + 2
"""The earliest timestamp influxd stores (``models.MinNanoTime``)."""
MAX_TIME: Final = 2**63 - 2
"""The latest timestamp influxd stores (``models.MaxNanoTime``)."""
TIME_RANGE_ERROR: Final = f"time outside range {MIN_TIME} - {MAX_TIME}"

_MULTIPLIERS: Final = {"u": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}


@dataclass(frozen=True, slots=True)
class Point:
    """One parsed line: ``fields`` in line order (a repeated key is kept; the last one wins)."""

    measurement: str
    tags: tuple[tuple[str, str], ...]
    """Sorted by key, unescaped."""
    key: str
    """The series key: escaped measurement and sorted tags, as influxd names a series."""
    fields: tuple[tuple[str, FieldValue], ...]
    time: int


@dataclass(frozen=True)
class Parsed:
    points: list[Point]
    errors: list[str]
    """One ``unable to parse '<line>': <reason>`` per refused line."""


class LineError(Exception):
    """A line influxd refuses; the message is influxd's reason."""


def precision_multiplier(precision: str) -> int:
    """Nanoseconds per timestamp unit; influxd reads any unknown precision as nanoseconds."""
    return _MULTIPLIERS.get(precision, 1)


def default_time(now_ns: int, precision: str) -> int:
    """The time of a line without a timestamp: now, truncated to the precision."""
    unit = precision_multiplier(precision)
    return now_ns - now_ns % unit


def timestamp(value: int, precision: str) -> int:
    """A timestamp in ``precision`` units as nanoseconds; :class:`ValueError` outside range."""
    ns = value * precision_multiplier(precision)
    if not MIN_TIME <= ns <= MAX_TIME:
        raise ValueError(TIME_RANGE_ERROR)
    return ns


def escape_measurement(name: str) -> str:
    return name.replace(",", "\\,").replace(" ", "\\ ")


def escape_tag(text: str) -> str:
    return text.replace(",", "\\,").replace(" ", "\\ ").replace("=", "\\=")


def series_key(measurement: str, tags: tuple[tuple[str, str], ...]) -> str:
    return escape_measurement(measurement) + "".join(
        f",{escape_tag(k)}={escape_tag(v)}" for k, v in tags
    )
