"""The rotating spherical Earth: constants, gravity, local frames, orbits, ground distance.

Everything is 2-D in the equatorial plane, Earth-centred inertial (ECI) coordinates, the
rotation counter-clockwise (so "east" is counter-clockwise) and the pad on the +x axis at t = 0.
"""

from __future__ import annotations

import math

R_EARTH = 6_371_000.0
"""m, mean radius."""
MU = 3.986004418e14
"""m3/s2, standard gravitational parameter (WGS 84)."""
OMEGA = 7.2921159e-5
"""rad/s, sidereal rotation rate."""
G0 = 9.80665
"""m/s2, standard gravity (defines Isp and g-load)."""

APOAPSIS_CAP = 5.0e8
"""m: an escape trajectory reports this (the dictionary's upper bound) as its apoapsis."""


def surface_position(longitude: float, t: float) -> tuple[float, float, float, float]:
    """Inertial position and velocity of a point at rest on the equator at ``t``."""
    angle = longitude + OMEGA * t
    c, s = math.cos(angle), math.sin(angle)
    return R_EARTH * c, R_EARTH * s, -OMEGA * R_EARTH * s, OMEGA * R_EARTH * c


def longitude_of(x: float, y: float, t: float) -> float:
    """Earth-fixed longitude (rad, east of the pad) of an inertial position at ``t``."""
    return math.atan2(y, x) - OMEGA * t


def downrange(x: float, y: float, t: float) -> float:
    """Great-circle distance (m) from the pad along the surface, 0 to half a circumference."""
    angle = math.remainder(longitude_of(x, y, t), math.tau)
    return R_EARTH * abs(angle)


def apsides(x: float, y: float, vx: float, vy: float) -> tuple[float, float]:
    """Apoapsis and periapsis altitudes (m) of the osculating orbit; periapsis may be negative."""
    r = math.hypot(x, y)
    energy = 0.5 * (vx * vx + vy * vy) - MU / r
    h = x * vy - y * vx
    e = math.sqrt(max(0.0, 1.0 + 2.0 * energy * h * h / (MU * MU)))
    p = h * h / MU
    periapsis = p / (1.0 + e) - R_EARTH
    if e >= 1.0:
        return APOAPSIS_CAP, periapsis
    apoapsis = min(p / (1.0 - e) - R_EARTH, APOAPSIS_CAP)
    return apoapsis, periapsis


def circular_speed(altitude: float) -> float:
    """m/s of a circular orbit at ``altitude``."""
    return math.sqrt(MU / (R_EARTH + altitude))
