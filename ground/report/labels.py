"""Where a plot's event labels go, so that none covers another, and which point of a curve an
event marks.

Events come in bunches (cut-off, separation and the second stage's ignition within seconds;
the second cut-off, orbit and the payload's release), so each label is written level with the
top of the plot beside its event's line and moved down a row as long as it would touch a label
already placed there. A label that would run past the right edge is written to the left of its
line. Pure: positions and text widths in, rows out; the plot measures the text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Label:
    x: float
    """The event's time (the plot's x)."""
    text: str
    row: int
    """0 at the top, then downwards."""
    leftward: bool
    """Written to the left of its line (it would run past the right edge)."""
    start: float
    end: float
    """The span the label covers, in the width's unit (points), gap included."""


def place(
    marks: Sequence[tuple[float, str]],
    x_range: tuple[float, float],
    width: float,
    measure: Callable[[str], float],
    gap: float = 6.0,
) -> list[Label]:
    """Rows for labels ``(x, text)`` on an axis showing ``x_range`` over ``width`` points;
    ``measure`` gives a text's width in points. Marks outside the range are left out. Labels in
    one row never overlap (``gap`` points apart at least); each takes the highest free row."""
    low, high = x_range
    if not high > low or width <= 0:
        raise ValueError("an axis needs a range and a width")
    rows: list[list[tuple[float, float]]] = []
    placed = []
    for x, text in sorted(marks):
        if not low <= x <= high:
            continue
        at = (x - low) / (high - low) * width
        size = measure(text) + gap
        leftward = at + size > width
        start, end = (at - size, at) if leftward else (at, at + size)
        row = next(
            (
                index
                for index, taken in enumerate(rows)
                if all(end <= a or start >= b for a, b in taken)
            ),
            len(rows),
        )
        if row == len(rows):
            rows.append([])
        rows[row].append((start, end))
        placed.append(Label(x, text, row, leftward, start, end))
    return placed


def peak_after(
    t: Sequence[float], values: Sequence[float | None], start: float, within: float
) -> tuple[float, float] | None:
    """The highest value in ``[start, start + within]`` and its time (an ejection's kick)."""
    window = [
        (time, value)
        for time, value in zip(t, values, strict=False)
        if value is not None and start <= time <= start + within
    ]
    return max(window, key=lambda point: point[1]) if window else None


def value_at(
    t: Sequence[float], values: Sequence[float | None], at: float, tolerance: float
) -> tuple[float, float] | None:
    """The sample nearest ``at``, if one is within ``tolerance`` (a parachute's opening)."""
    near = [
        (abs(time - at), time, value)
        for time, value in zip(t, values, strict=False)
        if value is not None and abs(time - at) <= tolerance
    ]
    if not near:
        return None
    _, time, value = min(near)
    return time, value
