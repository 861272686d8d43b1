"""Where a booster coasting now would come down: the rest of its flight flown ahead.

The boostback aims with it. The prediction uses the flight model's own dynamics (gravity, the
rotating Earth and its air, the booster's drag curve and engines) on a copy of the booster:
a coast, the entry burn flown as the booster's computer flies it, then the fall to the ground.
The landing burn is left out: it starts a few kilometres up with little speed across the
ground, so it moves the touchdown by far less than the pad's tolerance.
"""

from __future__ import annotations

import math

from firmware_sim.physics.dynamics import Attitude, Body
from firmware_sim.physics.earth import R_EARTH, longitude_of
from firmware_sim.physics.propulsion import EngineBay
from firmware_sim.vehicles import Booster

MAX_TIME = 1_200.0
"""s flown ahead at most (a booster still climbing out of the air comes down well before)."""


def _step(altitude: float, burning: bool) -> float:
    """s per integration step: long above the air, short in a burn or in thick air."""
    if burning:
        return 0.5
    return 2.0 if altitude > 90_000.0 else 1.0


def predict_touchdown(body: Body, t: float, booster: Booster) -> tuple[float, float]:
    """(longitude rad east of the pad, world time) of the touchdown if every engine stopped
    now and only the entry burn were flown."""
    bay = body.engines
    engines = None
    if bay is not None:
        engines = EngineBay(bay.motor, bay.installed, min_throttle=bay.min_throttle)
    ghost = Body(
        body.state,
        fixed_mass=body.fixed_mass,
        capacity=body.capacity,
        area=body.area,
        drag=body.drag,
        engines=engines,
    )
    ghost.attitude = Attitude.RETROGRADE
    entry = "before"
    elapsed = 0.0
    while elapsed < MAX_TIME:
        altitude = ghost.altitude
        x, y, vx, vy, _ = ghost.state
        if entry == "before" and engines is not None:
            descending = x * vx + y * vy < 0.0
            if descending and altitude <= booster.entry_burn_altitude:
                engines.burn(booster.entry_burn_engines, 1.0)
                entry = "burning"
        elif entry == "burning" and engines is not None:
            sense = ghost.sense(t + elapsed)
            if sense.speed <= booster.entry_burn_end_speed or not ghost.powered:
                engines.cut()
                entry = "after"
        h = _step(altitude, entry == "burning")
        before = ghost.state
        ghost.advance(h)
        if ghost.altitude <= 0.0:
            alt0 = math.hypot(before[0], before[1]) - R_EARTH
            share = alt0 / (alt0 - ghost.altitude) if alt0 > ghost.altitude else 1.0
            ghost.state = ghost.propagate(before, share * h)
            elapsed += share * h
            break
        elapsed += h
    x, y = ghost.state[0], ghost.state[1]
    return longitude_of(x, y, t + elapsed), t + elapsed


def miss_distance(body: Body, t: float, booster: Booster) -> float:
    """m along the ground from the pad to the predicted touchdown, positive to the east."""
    longitude, _ = predict_touchdown(body, t, booster)
    return R_EARTH * math.remainder(longitude, math.tau)
