"""A dictionary unit as a person reads it once the value is scaled: the parameter dictionary
keeps SI symbols (UCUM style: ``m``, ``Pa``, ``m/s2``, ``1``), the report and the simulation's
console show kilometres and kilopascals. The unit always comes from the dictionary, so a figure
cannot be labelled in a unit its parameter is not measured in."""

from __future__ import annotations

PREFIXES = {1e-3: "k", 1e-6: "M"}
"""SI prefix of a value multiplied by the key (metres * 1e-3 are kilometres)."""
PREFIXED = frozenset({"m", "m/s", "m/s2", "Pa", "W"})
"""The dictionary's units a prefix may scale (not ``kg``, which has one, nor temperatures)."""
SYMBOLS = {"m/s2": "m/s²"}
"""How a UCUM symbol is written for people, where it differs."""
PLAIN = "1"
"""UCUM's unit of a plain number (a count, a ratio, a Mach number, g-load)."""


def display_unit(unit: str, scale: float = 1.0) -> str:
    """The unit of ``value * scale`` for a value measured in ``unit``: ``km`` for ``m`` * 1e-3,
    ``kPa``, ``100 m/s`` for ``m/s`` * 1e-2; a plain number has none (``x10`` when scaled)."""
    if unit == PLAIN:
        return "" if scale == 1.0 else f"x{scale:g}"
    symbol = SYMBOLS.get(unit, unit)
    if scale == 1.0:
        return symbol
    prefix = PREFIXES.get(scale)
    if prefix is not None and unit in PREFIXED:
        return f"{prefix}{symbol}"
    return f"{1 / scale:g} {symbol}"


def figure(value: float, unit: str, scale: float = 1.0, digits: int = 1) -> str:
    """``value`` scaled and written with its unit: ``12.3 km``, ``2.4`` for a plain number."""
    shown = display_unit(unit, scale)
    text = f"{value * scale:,.{digits}f}"
    return f"{text} {shown}" if shown else text
