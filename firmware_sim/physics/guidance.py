"""Guidance laws: the gravity-turn pitch program, upper-stage insertion, the landing burn.

Pure functions of the current state: the flight computers call them every tick (closed loop).
"""

from __future__ import annotations

import math
from bisect import bisect_right

from firmware_sim.physics.dynamics import Attitude
from firmware_sim.physics.earth import MU, R_EARTH
from firmware_sim.vehicles import Ascent

MIN_TIME_TO_GO = 8.0
"""s: below this the insertion law stops re-solving and holds its last pitch (gains blow up)."""
MAX_INSERTION_PITCH = math.radians(55.0)
"""rad: the insertion law never pitches the upper stage steeper than this above the horizon."""


def ascent_attitude(
    t_plus: float,
    flight_path: float,
    ascent: Ascent,
    dynamic_pressure: float = 0.0,
    loft: float = 0.0,
) -> tuple[Attitude, float]:
    """First-stage attitude: vertical rise, pitch kick, then follow the velocity (gravity turn)
    or the vehicle's pitch program.

    After the kick the attitude holds until the velocity vector has tipped as far as the kick
    (``flight_path`` is the Earth-relative flight-path angle, rad above the horizon), so the
    thrust never swings back toward the vertical. A pitch program takes over from the end of
    the kick, ``loft`` deg above its table, held within the q-alpha limit of the velocity.
    """
    if t_plus < ascent.pitch_kick_time:
        return Attitude.UP, math.pi / 2
    kick = math.radians(ascent.pitch_kick_angle)
    into_kick = (t_plus - ascent.pitch_kick_time) / ascent.pitch_kick_duration
    if into_kick < 1.0:
        return Attitude.PITCH, math.pi / 2 - kick * into_kick
    if ascent.pitch_program is not None:
        wanted = math.radians(interpolate(ascent.pitch_program, t_plus) + loft)
        alpha = math.radians(min(ascent.max_q_alpha / max(dynamic_pressure, 1.0), 90.0))
        return Attitude.PITCH, max(flight_path - alpha, min(flight_path + alpha, wanted))
    if flight_path > math.pi / 2 - kick:
        return Attitude.PITCH, math.pi / 2 - kick
    return Attitude.PROGRADE, flight_path


def interpolate(table: tuple[tuple[float, float], ...], x: float) -> float:
    """The table's value at ``x``: linear in between its points, flat beyond both ends."""
    xs = [point[0] for point in table]
    i = bisect_right(xs, x)
    if i == 0:
        return table[0][1]
    if i == len(table):
        return table[-1][1]
    (x0, y0), (x1, y1) = table[i - 1], table[i]
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0)


def time_to_go(
    x: float,
    y: float,
    vx: float,
    vy: float,
    target_radius: float,
    mass: float,
    flow: float,
    exhaust_velocity: float,
) -> float:
    """Burn time (s) left to reach circular speed at the target, from the rocket equation."""
    r = math.hypot(x, y)
    vr = (x * vx + y * vy) / r
    vh = (x * vy - y * vx) / r
    dv = math.hypot(math.sqrt(MU / target_radius) - vh, vr)
    if flow <= 0.0:
        return math.inf
    return mass / flow * (1.0 - math.exp(-dv / exhaust_velocity))


def insertion_pitch(
    x: float,
    y: float,
    vx: float,
    vy: float,
    thrust_accel: float,
    target_radius: float,
    t_go: float,
) -> float:
    """Pitch (rad above the local horizontal) that brings the vertical speed to zero at the
    target radius when the burn ends.

    With ``T = t_go``, a radial acceleration ``a(t) = a0 + a1 t`` meets ``r(T) = target`` and
    ``vr(T) = 0`` for ``a0 = 6 (target - r) / T2 - 4 vr / T``. The thrust supplies that plus
    gravity minus the centrifugal term of the horizontal speed; the rest of the thrust goes
    horizontal.
    """
    r = math.hypot(x, y)
    vr = (x * vx + y * vy) / r
    vh = (x * vy - y * vx) / r
    big_t = max(t_go, MIN_TIME_TO_GO)
    a0 = 6.0 * (target_radius - r) / (big_t * big_t) - 4.0 * vr / big_t
    radial = a0 + MU / (r * r) - vh * vh / r
    ratio = max(-1.0, min(1.0, radial / thrust_accel)) if thrust_accel > 0.0 else 0.0
    return max(-MAX_INSERTION_PITCH, min(MAX_INSERTION_PITCH, math.asin(ratio)))


def specific_energy(x: float, y: float, vx: float, vy: float) -> float:
    return 0.5 * (vx * vx + vy * vy) - MU / math.hypot(x, y)


def circular_energy(altitude: float) -> float:
    """J/kg of a circular orbit at ``altitude``: the cut-off target of the upper stage."""
    return -MU / (2.0 * (R_EARTH + altitude))


def landing_ignition_altitude(
    vertical_speed: float, speed: float, max_accel: float, gravity: float, margin: float
) -> float:
    """Altitude (m) a retrograde burn at ``margin`` of full thrust needs to stop the fall.

    Braking takes ``v / (a margin - g)`` seconds (gravity counted against it in full, as if the
    fall were vertical), during which the vertical speed falls roughly linearly to zero.
    """
    if vertical_speed >= 0.0 or speed <= 0.0:
        return 0.0
    net = max_accel * margin - gravity
    if net <= 0.0:
        return math.inf
    return -vertical_speed * speed / (2.0 * net)


def landing_throttle(
    altitude: float,
    vertical_speed: float,
    speed: float,
    max_accel: float,
    gravity: float,
    touchdown_speed: float,
) -> float:
    """Share of full thrust (retrograde) that arrives at ``touchdown_speed`` on the ground.

    The constant deceleration that takes the vertical speed from ``vz`` to ``-touchdown_speed``
    over the remaining height is ``(vz2 - vt2) / 2h``; gravity adds to it, and only the
    vertical share of the retrograde thrust does the work.
    """
    if max_accel <= 0.0 or speed <= 0.0:
        return 1.0
    height = max(altitude, 0.1)
    needed = vertical_speed * vertical_speed - touchdown_speed * touchdown_speed
    needed = needed / (2.0 * height) + gravity
    vertical_share = max(-vertical_speed / speed, 0.2)
    return needed / (max_accel * vertical_share)
