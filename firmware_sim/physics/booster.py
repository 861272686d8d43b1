"""The booster's own flight computer after staging: boostback, coast, entry burn, landing burn.

What it flies depends on the vehicle's recovery profile. Returning to the launch site, it flips
and burns back toward the pad until its predicted touchdown (the rest of the flight flown ahead
with the same physics, entry burn included) is on the pad; to a drone ship it comes down where
its ballistic arc ends; expended, it does nothing. The entry burn brakes it before the thick
air; the landing burn is a closed-loop retrograde burn that plans on part of the landing
engines' thrust and throttles to arrive at the touchdown speed. Each burn is reported as it
lights.
"""

from __future__ import annotations

import math
from enum import Enum

from firmware_sim.physics.atmosphere import atmosphere
from firmware_sim.physics.dynamics import Attitude, Body, Sense
from firmware_sim.physics.earth import MU, R_EARTH
from firmware_sim.physics.events import Emit
from firmware_sim.physics.guidance import landing_ignition_altitude, landing_throttle
from firmware_sim.physics.homing import miss_distance
from firmware_sim.vehicles import Booster, RecoveryProfile, Vehicle
from marsy.protocol.enums import Device, EventType, FlightPhase

PREDICT_EVERY = 0.5
"""s between two runs of the landing-burn predictor."""
PREDICT_STEP = 0.25
"""s, integration step of the landing-burn predictor."""
AIM_EVERY = 1.0
"""s between two predictions of the touchdown point during the boostback."""


class Descent(Enum):
    COAST = "coast"
    BOOSTBACK = "boostback"
    ENTRY_BURN = "entry_burn"
    FALLING = "falling"
    LANDING_BURN = "landing_burn"
    DONE = "done"


class BoosterComputer:
    def __init__(self, vehicle: Vehicle, separated_at: float) -> None:
        self._booster: Booster = vehicle.booster
        self._profile = vehicle.recovery
        self._separated_at = separated_at
        self.step = Descent.COAST
        self.boostback_done = self._profile is not RecoveryProfile.RTLS
        self._since_prediction = PREDICT_EVERY
        self._aimed: tuple[float, float] | None = None
        """(time, miss m) of the last touchdown prediction during the boostback."""
        self._cut_at: float | None = None

    @property
    def phase(self) -> FlightPhase:
        if self.step in (Descent.COAST, Descent.BOOSTBACK):
            return FlightPhase.COAST
        if self.step is Descent.LANDING_BURN:
            return FlightPhase.LANDING_BURN
        return FlightPhase.REENTRY

    @property
    def burning(self) -> bool:
        """A burn the computer flies is under way (the body must be integrated tick by tick)."""
        return self.step in (Descent.BOOSTBACK, Descent.ENTRY_BURN, Descent.LANDING_BURN)

    def fly(self, t: float, dt: float, body: Body, sense: Sense, emit: Emit) -> None:
        """One decision at world time ``t``, ``dt`` seconds after the previous one."""
        engines = body.engines
        if engines is None or self.step is Descent.DONE:
            return
        if self._profile is RecoveryProfile.EXPENDABLE:
            return
        rec = self._booster
        if self.step is Descent.BOOSTBACK:
            self._boostback(t, body, emit)
            return
        body.attitude = Attitude.RETROGRADE
        descending = sense.vertical_speed < 0.0
        if self.step is Descent.COAST:
            if not self.boostback_done:
                if t - self._separated_at >= rec.boostback_delay:
                    self._start_boostback(t, body, emit)
                return
            if descending and sense.altitude <= rec.entry_burn_altitude:
                self.step = Descent.ENTRY_BURN
                engines.burn(rec.entry_burn_engines, 1.0)
                emit(
                    EventType.ENTRY_BURN,
                    Device.BOOSTER,
                    f"{rec.entry_burn_engines} engines at {sense.altitude / 1000:.1f} km, "
                    f"{sense.speed:.0f} m/s",
                )
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
            emit(
                EventType.LANDING_BURN,
                Device.BOOSTER,
                f"{rec.landing_engines} engine at {sense.altitude:.0f} m, {sense.speed:.0f} m/s",
            )
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

    def _start_boostback(self, t: float, body: Body, emit: Emit) -> None:
        engines = body.engines
        assert engines is not None
        rec = self._booster
        miss = miss_distance(body, t, rec)
        self.step = Descent.BOOSTBACK
        self._aimed = (t, miss)
        self._point(body, miss)
        engines.burn(rec.boostback_engines, 1.0)
        emit(
            EventType.BOOSTBACK_BURN,
            Device.BOOSTER,
            f"{rec.boostback_engines} engines, touchdown {miss / 1000:.0f} km from the pad",
        )

    def _point(self, body: Body, miss: float) -> None:
        """Thrust toward the launch site: west of a touchdown east of the pad, else east."""
        pitch = math.radians(self._booster.boostback_pitch)
        body.attitude = Attitude.PITCH
        body.pitch = math.pi - pitch if miss > 0.0 else pitch

    def _boostback(self, t: float, body: Body, emit: Emit) -> None:
        """Burn until the predicted touchdown reaches the pad.

        The touchdown is predicted every ``AIM_EVERY`` seconds; its miss shrinks almost
        linearly with the burn, so the cut-off is timed where the line through the last two
        predictions crosses zero, to the tick.
        """
        if self._cut_at is not None and t + 1e-9 >= self._cut_at:
            self._end_boostback(body)
            return
        if not body.powered:
            self._end_boostback(body)
            return
        last = self._aimed
        if last is None or t - last[0] < AIM_EVERY - 1e-9:
            return
        miss = miss_distance(body, t, self._booster)
        self._aimed = (t, miss)
        if (miss > 0.0) != (last[1] > 0.0):
            self._end_boostback(body)  # already across: stop at once
            return
        rate = (miss - last[1]) / (t - last[0])
        if rate != 0.0 and -miss / rate <= AIM_EVERY:
            self._cut_at = t - miss / rate
        self._point(body, miss)

    def _end_boostback(self, body: Body) -> None:
        if body.engines is not None:
            body.engines.cut()
        body.attitude = Attitude.RETROGRADE
        self.boostback_done = True
        self.step = Descent.COAST

    def _time_to_burn(self, body: Body, sense: Sense, max_accel: float, gravity: float) -> bool:
        """True once a burn started now (at the planning margin) only just stops above ground.

        The drag-free stopping height is a cheap upper bound; only within it does the
        predictor fly the burn forward, drag included, every ``PREDICT_EVERY`` seconds. It
        lights when the burn would stop the booster lower than it falls until the next look
        (with half as much again in hand).
        """
        rec = self._booster
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
