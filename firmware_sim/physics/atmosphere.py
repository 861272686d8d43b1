"""U.S. Standard Atmosphere 1976: the seven layers to 86 km, then the standard's own table.

Below 86 km the layers are computed from the defining constants (geopotential altitude, lapse
rates, sea-level state), so every layer base pressure follows from 101 325 Pa exactly as in the
standard. Above 86 km the standard's tabulated temperature, pressure and density are joined by
exponentials (log-linear interpolation): the tail a satellite's drag needs, without the
species-by-species model.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from typing import NamedTuple

G0 = 9.80665
R_STAR = 8.31432
"""J/(mol K), the gas constant as the 1976 standard defines it."""
M0 = 0.0289644
"""kg/mol, sea-level mean molecular weight of air."""
R_AIR = R_STAR / M0
GAMMA = 1.4
R0 = 6_356_766.0
"""m, the Earth radius the standard uses for geopotential altitude."""
P0 = 101_325.0
"""Pa, sea-level pressure (also the reference for engine sea-level ratings)."""
T0 = 288.15

_GMR = G0 / R_AIR

# (geopotential base altitude m', lapse rate K/m') of each layer up to 84 852 m' (86 km).
_LAPSES = (
    (0.0, -0.0065),
    (11_000.0, 0.0),
    (20_000.0, 0.001),
    (32_000.0, 0.0028),
    (47_000.0, 0.0),
    (51_000.0, -0.0028),
    (71_000.0, -0.002),
)
TOP_OF_LAYERS = 86_000.0
"""m geometric; 84 852 m' geopotential."""


def _layer_bases() -> tuple[tuple[float, float, float, float], ...]:
    """(base h', base T, lapse, base p) for every layer, integrated up from sea level."""
    bases = []
    t_base, p_base = T0, P0
    for i, (h_base, lapse) in enumerate(_LAPSES):
        bases.append((h_base, t_base, lapse, p_base))
        h_top = _LAPSES[i + 1][0] if i + 1 < len(_LAPSES) else 84_852.0
        t_top = t_base + lapse * (h_top - h_base)
        if lapse == 0.0:
            p_base *= math.exp(-_GMR * (h_top - h_base) / t_base)
        else:
            p_base *= (t_base / t_top) ** (_GMR / lapse)
        t_base = t_top
    return tuple(bases)


_BASES = _layer_bases()
_BASE_H = tuple(b[0] for b in _BASES)

# Above 86 km: geometric altitude (m), kinetic temperature (K), pressure (Pa), density (kg/m3),
# from the 1976 standard's tables (NOAA-S/T 76-1562, Table I).
_TABLE = (
    (86_000.0, 186.87, 3.7338e-1, 6.958e-6),
    (90_000.0, 186.87, 1.8359e-1, 3.416e-6),
    (100_000.0, 195.08, 3.2011e-2, 5.604e-7),
    (110_000.0, 240.00, 7.1042e-3, 9.708e-8),
    (120_000.0, 360.00, 2.5382e-3, 2.222e-8),
    (130_000.0, 469.27, 1.2505e-3, 8.152e-9),
    (150_000.0, 634.39, 4.5422e-4, 2.076e-9),
    (200_000.0, 854.56, 8.4736e-5, 2.541e-10),
    (250_000.0, 941.33, 2.4767e-5, 6.073e-11),
    (300_000.0, 976.01, 8.7704e-6, 1.916e-11),
    (400_000.0, 995.83, 1.4518e-6, 2.803e-12),
    (500_000.0, 999.24, 3.0236e-7, 5.215e-13),
    (600_000.0, 999.85, 8.2130e-8, 1.137e-13),
    (700_000.0, 999.97, 3.1908e-8, 3.070e-14),
    (800_000.0, 999.99, 1.7036e-8, 1.136e-14),
    (1_000_000.0, 1000.0, 7.5138e-9, 3.561e-15),
)
_TABLE_Z = tuple(row[0] for row in _TABLE)
_TABLE_LOG = tuple((row[1], math.log(row[2]), math.log(row[3])) for row in _TABLE)


class Air(NamedTuple):
    pressure: float
    """Pa."""
    density: float
    """kg/m3."""
    temperature: float
    """K."""
    speed_of_sound: float
    """m/s."""


def atmosphere(altitude: float) -> Air:
    """The standard atmosphere at a geometric altitude (m); valid from -5 km up."""
    if altitude < TOP_OF_LAYERS:
        h = R0 * altitude / (R0 + altitude)
        h_base, t_base, lapse, p_base = _BASES[bisect_right(_BASE_H, h) - 1 if h > 0.0 else 0]
        if lapse == 0.0:
            temperature = t_base
            pressure = p_base * math.exp(-_GMR * (h - h_base) / t_base)
        else:
            temperature = t_base + lapse * (h - h_base)
            pressure = p_base * (t_base / temperature) ** (_GMR / lapse)
        density = pressure / (R_AIR * temperature)
        return Air(pressure, density, temperature, math.sqrt(GAMMA * R_AIR * temperature))
    i = min(bisect_right(_TABLE_Z, altitude) - 1, len(_TABLE) - 2)
    z0, z1 = _TABLE_Z[i], _TABLE_Z[i + 1]
    (t0, lp0, ld0), (t1, lp1, ld1) = _TABLE_LOG[i], _TABLE_LOG[i + 1]
    f = (altitude - z0) / (z1 - z0)
    temperature = t0 + (t1 - t0) * min(f, 1.0)
    pressure = math.exp(lp0 + (lp1 - lp0) * f)
    density = math.exp(ld0 + (ld1 - ld0) * f)
    return Air(pressure, density, temperature, math.sqrt(GAMMA * R_AIR * temperature))
