"""The booster's own flight computer after staging: coast, entry burn, landing burn.

No boostback: the booster comes down downrange, where its ballistic arc ends. The entry burn
brakes it before the thick air; the landing burn is a closed-loop retrograde burn that plans on
part of the landing engines' thrust and throttles to arrive at the touchdown speed.
"""

from __future__ import annotations

import math
from enum import Enum

from firmware_sim.physics.atmosphere import atmosphere
from firmware_sim.physics.dynamics import Attitude, Body, Sense
from firmware_sim.physics.earth import MU, R_EARTH
from firmware_sim.physics.guidance import landing_ignition_altitude, landing_throttle
from firmware_sim.vehicles import Recovery
from marsy.protocol.enums import FlightPhase

PREDICT_EVERY = 0.5
"""s between two runs of the landing-burn predictor."""
PREDICT_STEP = 0.25
"""s, integration step of the predictor."""


class Descent(Enum):
    COAST = "coast"
    ENTRY_BURN = "entry_burn"
    FALLING = "falling"
    LANDING_BURN = "landing_burn"
    DONE = "done"


class BoosterComputer:
    def __init__(self, recovery: Recovery) -> None:
        self._recovery = recovery
        self.step = Descent.COAST
        self._since_prediction = PREDICT_EVERY

    @property
    def phase(self) -> FlightPhase:
        if self.step is Descent.COAST:
            return FlightPhase.COAST
        if self.step is Descent.LANDING_BURN:
            return FlightPhase.LANDING_BURN
        return FlightPhase.REENTRY

    def fly(self, dt: float, body: Body, sense: Sense) -> None:
        """One decision ``dt`` seconds after the previous one."""
        engines = body.engines
        if engines is None or self.step is Descent.DONE:
            return
        rec = self._recovery
        body.attitude = Attitude.RETROGRADE
        descending = sense.vertical_speed < 0.0
        if self.step is Descent.COAST:
            if descending and sense.altitude <= rec.entry_burn_altitude:
                self.step = Descent.ENTRY_BURN
                engines.burn(rec.entry_burn_engines, 1.0)
            return
        if self.step is Descent.ENTRY_BURN:
            if sense.speed <= rec.entry_burn_end_speed or not body.powered:
                engines.cut()
                self.step = Descent.FALLING
            return
        r = R_EARTH + sense.altitude
        gravity = MU / (r * r)
        one = engines.motor.thrust_and_flow(sense.air.pressure)[0]
        max_accel = rec.landing_engines * one / sense.mass
        if self.step is Descent.FALLING:
            self._since_prediction += dt
            if not (descending and self._time_to_burn(body, sense, max_accel, gravity)):
                return
            self.step = Descent.LANDING_BURN
        if not descending or body.propellant <= 0.0:
            engines.cut()
            return
        share = landing_throttle(
            sense.altitude,
            sense.vertical_speed,
            sense.speed,
            max_accel,
            gravity,
            rec.touchdown_speed,
        )
        if math.isfinite(share):
            engines.burn(rec.landing_engines, share)

    def _time_to_burn(self, body: Body, sense: Sense, max_accel: float, gravity: float) -> bool:
        """True once a burn started now (at the planning margin) only just stops above ground.

        The drag-free stopping height is a cheap upper bound; only within it does the
        predictor fly the burn forward, drag included, every ``PREDICT_EVERY`` seconds. It
        lights when the burn would stop the booster lower than it falls until the next look
        (with half as much again in hand).
        """
        rec = self._recovery
        bound = landing_ignition_altitude(
            sense.vertical_speed, sense.speed, max_accel, gravity, rec.landing_margin
        )
        if sense.altitude > bound or self._since_prediction < PREDICT_EVERY:
            return False
        self._since_prediction = 0.0
        lead = -sense.vertical_speed * PREDICT_EVERY * 1.5
        return stop_altitude(body, sense, rec.landing_engines, rec.landing_margin) <= lead

    def touched_down(self, body: Body) -> None:
        if body.engines is not None:
            body.engines.cut()
        self.step = Descent.DONE


def stop_altitude(body: Body, sense: Sense, engines: int, margin: float) -> float:
    """Altitude at which a retrograde burn lit now at ``margin`` thrust brings the body to rest.

    A flat-Earth forward integration with the body's own drag curve, the engines' thrust at
    the local pressure and the falling mass; negative means it would still hit the ground. The
    tank is taken as bottomless: this answers *when* to light, not whether the fuel suffices.
    """
    bay = body.engines
    if bay is None:
        return -1.0
    h = sense.altitude
    vz = sense.vertical_speed
    vh = math.sqrt(max(0.0, sense.speed * sense.speed - vz * vz))
    mass = sense.mass
    dt = PREDICT_STEP
    for _ in range(2_000):
        speed = math.hypot(vz, vh)
        if vz >= 0.0 or speed < 0.5:
            return h
        if h <= 0.0:
            return h - speed
        air = atmosphere(h)
        thrust, flow = bay.motor.thrust_and_flow(air.pressure)
        thrust *= engines * margin
        flow *= engines * margin
        cda = body.drag.cd(speed / air.speed_of_sound) * body.area
        brake = (thrust + 0.5 * air.density * speed * speed * cda) / mass
        r = R_EARTH + h
        vz += (brake * -vz / speed - MU / (r * r)) * dt
        vh -= brake * vh / speed * dt
        vh = max(vh, 0.0)
        h += vz * dt
        mass = max(mass - flow * dt, body.fixed_mass)
    return h
