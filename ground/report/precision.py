"""Stored values written as text at the precision the dictionary gives them, and the exports'
column names.

The boards send 32-bit floats, so a stored ``0.1`` reads back as ``0.10000000149011612``.
A parameter with a ``resolution`` (the board's smallest step) is written with as many decimals
as that step has (0.01: two, 1000: none); one without is written with the fewest digits that
still give the same 32-bit float (``0.1``), or in full when the stored value is no 32-bit
float. Integers and flags are written as they are. Pure: values in, text out.
"""

from __future__ import annotations

import math
import struct
from decimal import Decimal
from typing import Any

from marsy.protocol import Parameter, ValueType

TRUE, FALSE = "true", "false"
FLOAT32_DIGITS = 9
"""Significant digits that always give a 32-bit float back."""


def decimals(resolution: float) -> int | None:
    """Decimals a value of this resolution is written with; ``None`` for full precision (0)."""
    if resolution < 0 or not math.isfinite(resolution):
        raise ValueError(f"a resolution is a positive step or 0, not {resolution}")
    if resolution == 0:
        return None
    exponent = Decimal(repr(resolution)).normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # finite, checked above
    return max(0, -exponent)


def _as_float32(value: float) -> float | None:
    """``value`` through a 32-bit float, or ``None`` if it does not fit in one."""
    try:
        (back,) = struct.unpack("<f", struct.pack("<f", value))
    except OverflowError:
        return None
    return float(back)


def shortest_float32(value: float) -> str:
    """The fewest significant digits whose 32-bit float is ``value``; ``repr`` when ``value``
    is no 32-bit float (a value the ground computed, not a board's)."""
    if not math.isfinite(value) or _as_float32(value) != value:
        return repr(value)
    for digits in range(1, FLOAT32_DIGITS + 1):
        text = f"{value:.{digits}g}"
        if _as_float32(float(text)) == value:
            return text
    return repr(value)  # unreachable: 9 digits always round-trip a float32


def _fixed(value: float, places: int) -> str:
    text = f"{value:.{places}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text  # no "-0.00"


def value_text(parameter: Parameter | None, value: Any) -> str:
    """One stored value as exported: empty when the sample has none; ``parameter`` ``None`` for
    a column the dictionary does not describe (written as stored)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return TRUE if value else FALSE
    if parameter is None:
        return str(value)
    if parameter.type is ValueType.BOOL:
        return TRUE if value else FALSE
    if parameter.type is ValueType.INT:
        return str(int(value))
    number = float(value)
    places = decimals(parameter.resolution)
    if places is None or not math.isfinite(number):
        return shortest_float32(number)
    return _fixed(number, places)


def header(parameter: Parameter) -> str:
    """A parameter's column: its name and the unit people read it in (``altitude_m``,
    ``g_load_g``, ``velocity_m/s``); UCUM's ``1`` for a plain number (``mach_1``)."""
    return f"{parameter.name}_{parameter.shown_unit}"
