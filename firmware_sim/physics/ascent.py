"""The first-stage flight computer: gravity turn, Max-Q throttle bucket, g-limit, MECO.

It flies the whole stack from lift-off to separation. Ground commands reach it as the
commanded throttle; what the engines get is the lowest of that, the bucket and the g-limit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

from firmware_sim.physics.dynamics import Body, Sense
from firmware_sim.physics.events import Emit
from firmware_sim.physics.guidance import ascent_attitude
from firmware_sim.vehicles import RecoveryProfile, Vehicle
from marsy.protocol.enums import Device, EventType

MAX_Q_FLOOR = 1_000.0
"""Pa: a dynamic pressure peak below this is not Max-Q (the pad, a hop)."""
PAST_PEAK = 0.99
"""Max-Q is confirmed once q has fallen 1 % below its peak (not on a ripple in the bucket)."""


class Bucket(Enum):
    BEFORE = "before"
    IN = "in"
    AFTER = "after"


@dataclass(frozen=True, slots=True)
class MaxQ:
    t_plus: float
    altitude: float
    dynamic_pressure: float


def g_limited_throttle(limit: float | None, mass: float, full_thrust: float) -> float:
    """Throttle share that keeps thrust acceleration at ``limit`` (1.0 with no limit)."""
    if limit is None or full_thrust <= 0.0:
        return 1.0
    return limit * mass / full_thrust


class AscentComputer:
    def __init__(self, vehicle: Vehicle) -> None:
        self._ascent = vehicle.ascent
        self._limit = vehicle.stage1.max_acceleration
        reserve = vehicle.booster.reserve(vehicle.recovery)
        lofted = vehicle.recovery is RecoveryProfile.RTLS
        self._loft = vehicle.ascent.rtls_loft if lofted else 0.0
        self._reserve = reserve / 100.0 * vehicle.stage1.propellant_mass
        self.commanded = 1.0
        self.bucket = Bucket.BEFORE
        self.max_q: MaxQ | None = None
        self.meco_t_plus: float | None = None
        self._peak = MaxQ(0.0, 0.0, 0.0)

    @property
    def in_bucket(self) -> bool:
        return self.bucket is Bucket.IN

    def watch_max_q(self, t_plus: float, sense: Sense, emit: Emit) -> None:
        """Record the dynamic-pressure peak once it is behind the vehicle."""
        if self.max_q is not None:
            return
        q = sense.dynamic_pressure
        peak = self._peak.dynamic_pressure
        if q >= peak:
            self._peak = MaxQ(t_plus, sense.altitude, q)
        elif peak > MAX_Q_FLOOR and q < PAST_PEAK * peak:
            self.max_q = self._peak
            emit(
                EventType.MAX_Q,
                Device.ROCKET,
                f"max-q {self._peak.dynamic_pressure:.0f} Pa at T+{self._peak.t_plus:.1f} s, "
                f"{self._peak.altitude:.0f} m",
            )

    def cut_off(self, t_plus: float, emit: Emit, body: Body, why: str) -> None:
        engines = body.engines
        if engines is not None:
            engines.cut()
        if self.meco_t_plus is None:
            self.meco_t_plus = t_plus
            emit(EventType.MECO, Device.ROCKET, why)

    def fly(self, t_plus: float, body: Body, sense: Sense, emit: Emit) -> None:
        """One tick of the ascent: watch q, bucket, g-limit, cut-off, steer."""
        self.watch_max_q(t_plus, sense, emit)
        engines = body.engines
        if engines is None or not engines.running:
            return
        if body.propellant <= self._reserve:
            left = 100.0 * body.propellant / body.capacity
            self.cut_off(t_plus, emit, body, f"first-stage cut-off, {left:.1f} % propellant left")
            return
        q = sense.dynamic_pressure
        if self.bucket is Bucket.BEFORE and q >= self._ascent.max_q_throttle_down:
            self.bucket = Bucket.IN
            emit(
                EventType.THROTTLE_DOWN,
                Device.ROCKET,
                f"throttle {self._ascent.max_q_bucket:.0f} % at q {q:.0f} Pa",
            )
        elif (
            self.bucket is Bucket.IN
            and self.max_q is not None
            and q <= self._ascent.max_q_throttle_up
        ):
            self.bucket = Bucket.AFTER
            emit(EventType.THROTTLE_UP, Device.ROCKET, f"full throttle at q {q:.0f} Pa")
        throttle = self.commanded
        ascent = self._ascent
        if self.bucket is Bucket.AFTER:
            throttle = min(throttle, ascent.climb_throttle / 100.0)
        if self.bucket is Bucket.IN:
            throttle = min(throttle, self._ascent.max_q_bucket / 100.0)
        full = engines.running * engines.motor.thrust_and_flow(sense.air.pressure)[0]
        throttle = min(throttle, g_limited_throttle(self._limit, sense.mass, full))
        engines.burn(engines.running, throttle)
        flight_path = (
            math.asin(max(-1.0, min(1.0, sense.vertical_speed / sense.speed)))
            if sense.speed > 0.0
            else math.pi / 2
        )
        loft = self._loft if self.bucket is Bucket.AFTER else 0.0
        body.attitude, body.pitch = ascent_attitude(t_plus, flight_path, self._ascent, q, loft)
