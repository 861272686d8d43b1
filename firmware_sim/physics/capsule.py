"""The crew capsule after ejection: abort motor, ballistic coast, drogues, mains, splashdown."""

from __future__ import annotations

import math
from enum import Enum

from firmware_sim.physics.aero import DragCurve, disc_area
from firmware_sim.physics.dynamics import Attitude, Body, State
from firmware_sim.physics.events import Emit
from firmware_sim.physics.propulsion import EngineBay, Motor
from firmware_sim.vehicles import Capsule, Parachute
from marsy.protocol.enums import Device, EventType, FlightPhase

OFF_THE_PAD = math.radians(80.0)
"""rad above the horizon the abort motor pushes at low speed: up and out over the sea."""
SLOW = 30.0
"""m/s below which the abort pushes at OFF_THE_PAD instead of along the velocity."""


class Descent(Enum):
    ABORT_BURN = "abort_burn"
    COAST = "coast"
    DROGUE = "drogue"
    MAIN = "main"
    LANDED = "landed"


def canopy_area(chute: Parachute) -> float:
    """m2 of drag area (Cd x nominal area) of all canopies of one kind."""
    return chute.count * chute.cd * disc_area(chute.diameter)


def eject(capsule: Capsule, state: State) -> Body:
    """A capsule body leaving the vehicle at ``state`` with its abort motor lit."""
    motor = Motor(capsule.abort_thrust, capsule.abort_thrust, capsule.abort_isp, capsule.abort_isp)
    engines = EngineBay(motor, 1)
    engines.burn(1, 1.0)
    x, y, vx, vy, _ = state
    return Body(
        (x, y, vx, vy, capsule.abort_propellant),
        fixed_mass=capsule.mass,
        capacity=capsule.abort_propellant,
        area=disc_area(capsule.diameter),
        drag=DragCurve(capsule.cd),
        engines=engines,
    )


class CapsuleComputer:
    def __init__(self, capsule: Capsule) -> None:
        self._capsule = capsule
        self._drogue_area = canopy_area(capsule.drogue)
        self._main_area = canopy_area(capsule.main)
        self.step = Descent.ABORT_BURN
        self._opened = 0.0
        """s since the current canopy was deployed."""

    @property
    def phase(self) -> FlightPhase:
        if self.step in (Descent.ABORT_BURN, Descent.COAST):
            return FlightPhase.ABORT
        if self.step is Descent.LANDED:
            return FlightPhase.LANDED
        return FlightPhase.PARACHUTES

    def fly(self, dt: float, body: Body, speed: float, vertical_speed: float, emit: Emit) -> None:
        """One tick: steer the abort burn, then deploy and inflate the canopies."""
        capsule = self._capsule
        altitude = body.altitude
        descending = vertical_speed < 0.0
        if self.step is Descent.ABORT_BURN:
            if body.powered:
                if speed < SLOW:
                    body.attitude, body.pitch = Attitude.PITCH, OFF_THE_PAD
                else:
                    body.attitude = Attitude.PROGRADE
                return
            if body.engines is not None:
                body.engines.cut()
            self.step = Descent.COAST
        if self.step is Descent.COAST:
            if descending and altitude <= capsule.drogue.deploy_altitude:
                self.step, self._opened = Descent.DROGUE, 0.0
                emit(
                    EventType.DROGUE_DEPLOYED,
                    Device.SUIT,
                    f"drogues at {altitude:.0f} m, {speed:.0f} m/s",
                )
            return
        self._opened += dt
        if self.step is Descent.DROGUE:
            inflated = min(1.0, self._opened / capsule.drogue.inflation_time)
            body.extra_cda = self._drogue_area * inflated
            if descending and inflated >= 1.0 and altitude <= capsule.main.deploy_altitude:
                self.step, self._opened = Descent.MAIN, 0.0
                emit(
                    EventType.MAIN_DEPLOYED,
                    Device.SUIT,
                    f"mains at {altitude:.0f} m, {speed:.0f} m/s",
                )
            return
        if self.step is Descent.MAIN:
            inflated = min(1.0, self._opened / capsule.main.inflation_time)
            drogue = self._drogue_area if inflated < 1.0 else 0.0
            body.extra_cda = self._main_area * inflated + drogue

    def touched_down(self) -> None:
        self.step = Descent.LANDED
