"""Drag: a Mach-dependent drag coefficient on a reference area."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence


class DragCurve:
    """Cd against Mach from a table, linear in between and flat beyond both ends."""

    __slots__ = ("_cds", "_machs")

    def __init__(self, table: Sequence[tuple[float, float]]) -> None:
        self._machs = tuple(mach for mach, _ in table)
        self._cds = tuple(cd for _, cd in table)

    def cd(self, mach: float) -> float:
        machs = self._machs
        i = bisect_right(machs, mach)
        if i == 0:
            return self._cds[0]
        if i == len(machs):
            return self._cds[-1]
        m0, m1 = machs[i - 1], machs[i]
        c0, c1 = self._cds[i - 1], self._cds[i]
        return c0 + (c1 - c0) * (mach - m0) / (m1 - m0)


def disc_area(diameter: float) -> float:
    """m2 of a circle: the reference area of a body of that diameter."""
    return math.pi * 0.25 * diameter * diameter
