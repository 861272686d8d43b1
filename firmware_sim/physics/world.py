"""The world: the public face of the flight model, and its clock.

Time advances in fixed ticks of ``TICK`` seconds whatever ``step(dt)`` the caller passes, so a
run is the same however it is sampled. A body coasting above the air with nothing to decide
(a satellite, a spent stage in orbit) integrates in ``COARSE``-tick steps instead, and its truth
is propagated to the current tick on demand, so sampling never changes the trajectory either.
"""

from __future__ import annotations

import math
import random

from firmware_sim.physics import commands
from firmware_sim.physics.autopilot import Autopilot, Cues
from firmware_sim.physics.commands import CommandResult
from firmware_sim.physics.dynamics import Body, Sense
from firmware_sim.physics.earth import G0
from firmware_sim.physics.events import WorldEvent
from firmware_sim.physics.faults import Fault
from firmware_sim.physics.flight import TICK, Flight, Truth
from firmware_sim.physics.names import BodyName
from firmware_sim.physics.outcomes import (
    PendingFault,
    apply_faults,
    break_up_if_overloaded,
    touch_down,
)
from firmware_sim.physics.physiology import UPDATE, Situation
from firmware_sim.physics.truth import BodySnapshot, build_truth, snapshot
from firmware_sim.vehicles import Vehicle
from marsy.protocol.enums import CommandAction, Device, EventType, FlightPhase

__all__ = ["COARSE", "TICK", "VACUUM", "CommandResult", "World"]

COARSE = 25
"""Ticks per integration step of a quiet body above ``VACUUM`` (0.5 s)."""
VACUUM = 120_000.0
"""m above which a quiet body may integrate coarsely (drag is negligible over 0.5 s)."""
_PHYSIOLOGY_TICKS = round(UPDATE / TICK)
_SITUATIONS = {
    FlightPhase.PAD: Situation.WAITING,
    FlightPhase.ASCENT: Situation.POWERED,
    FlightPhase.MAX_Q: Situation.POWERED,
    FlightPhase.UPPER_STAGE: Situation.POWERED,
    FlightPhase.COAST: Situation.COASTING,
    FlightPhase.ORBIT: Situation.ORBIT,
    FlightPhase.ABORT: Situation.ABORT,
    FlightPhase.PARACHUTES: Situation.PARACHUTES,
    FlightPhase.LANDED: Situation.LANDED,
    FlightPhase.DESTROYED: Situation.LOST,
}


class World:
    """A launch from the pad onward, advanced only by :meth:`step`."""

    def __init__(self, vehicle: Vehicle, seed: int = 0, autopilot: Autopilot | None = None) -> None:
        self.vehicle = vehicle
        self.autopilot = autopilot
        self._t = 0.0
        self._faults: list[PendingFault] = []
        self._flight = Flight(vehicle, random.Random(seed))

    # --- clock -------------------------------------------------------------------------------

    @property
    def t(self) -> float:
        """s since the world started (pad time included)."""
        return self._t

    @property
    def physics_t(self) -> float:
        """s of the last completed tick: the instant every truth value describes (``<= t``)."""
        return self._flight.t

    @property
    def liftoff_time(self) -> float | None:
        """World time of lift-off, once it happened."""
        tick = self._flight.liftoff_tick
        return None if tick is None else tick * TICK

    def step(self, dt: float) -> None:
        """Advance the world by ``dt`` seconds (any positive duration)."""
        if not (math.isfinite(dt) and dt > 0.0):
            raise ValueError(f"dt must be a positive number of seconds, got {dt!r}")
        self._t += dt
        target = math.floor(self._t / TICK + 1e-9)
        while self._flight.ticks < target:
            self._tick()

    def pop_events(self) -> list[WorldEvent]:
        """Events since the last call, in time order."""
        events, self._flight.events = self._flight.events, []
        events.sort(key=lambda event: event.t)  # a touchdown lands mid-tick
        return events

    def schedule_fault(self, fault: Fault) -> None:
        """Make ``fault`` happen at its time after lift-off (at once if that is past)."""
        self._faults.append(PendingFault(fault))

    # --- what the boards see -----------------------------------------------------------------

    def active(self, device: Device) -> bool:
        """Does ``device``'s body exist and report (booster after staging, satellite after
        detach, rocket and suit until destroyed)?"""
        return self._flight.active(device)

    def phase(self, device: Device) -> FlightPhase:
        return self._flight.phase(device)

    def truth(self, device: Device) -> Truth:
        """Every dictionary parameter of ``device``, exact; frozen once its body is destroyed.

        Raises ``LookupError`` for a device whose body does not exist yet.
        """
        flight = self._flight
        if device in flight.frozen:
            return dict(flight.frozen[device])
        if not flight.active(device):
            raise LookupError(f"{device} has no body yet")
        return build_truth(flight, device)

    def snapshot(self) -> list[BodySnapshot]:
        """Kinematics of every body flying or at rest (not destroyed), for trajectory exports."""
        flight = self._flight
        return [snapshot(flight, name) for name in flight.bodies if name not in flight.lost]

    def touchdown_speed(self, body: BodyName) -> float | None:
        """m/s at which ``body`` came to rest on the ground, if it has (crashes excluded)."""
        return self._flight.landed.get(body)

    # --- commands ----------------------------------------------------------------------------

    def ignite(self) -> CommandResult:
        return commands.ignite(self._flight)

    def set_throttle(self, percent: float) -> CommandResult:
        return commands.set_throttle(self._flight, percent)

    def separate(self) -> CommandResult:
        return commands.separate(self._flight)

    def detach(self) -> CommandResult:
        return commands.detach(self._flight)

    def eject(self) -> CommandResult:
        return commands.eject_capsule(self._flight)

    def destruct(self) -> CommandResult:
        return commands.destruct(self._flight)

    # --- one tick ----------------------------------------------------------------------------

    def _tick(self) -> None:
        flight = self._flight
        if self.autopilot is not None and self.autopilot.pending:
            self._obey(self.autopilot)
        self._faults = apply_faults(flight, self._faults)
        self._fly()
        self._integrate()
        flight.ticks += 1
        self._subsystems()

    def _obey(self, autopilot: Autopilot) -> None:
        flight = self._flight
        rocket = flight.bodies[BodyName.ROCKET]
        fuel = 100.0 * rocket.propellant / rocket.capacity if flight.stage1_attached else 0.0
        cues = Cues(
            t=flight.t,
            t_plus=None if flight.liftoff_tick is None else flight.t_plus,
            rocket_phase=flight.rocket_phase(),
            fuel_stage1=fuel,
            stage1_attached=flight.stage1_attached,
            meco_t_plus=flight.ascent.meco_t_plus,
            orbit_t=flight.orbit_t,
        )
        orders = {
            CommandAction.IGNITE: self.ignite,
            CommandAction.SEPARATE: self.separate,
            CommandAction.DETACH: self.detach,
            CommandAction.EJECT: self.eject,
        }
        for order in autopilot.decide(cues):
            orders[order]()

    def _fly(self) -> None:
        """Let every flight computer look at its body and set engines and attitude.

        A body coasting in coarse steps (lag > 0), lost or landed has nothing to decide and is
        not looked at.
        """
        flight = self._flight
        t_plus = flight.t_plus
        flight.senses = senses = {
            name: body.sense(flight.t)
            for name, body in flight.bodies.items()
            if not flight.lag.get(name, 0) and name not in flight.lost and name not in flight.landed
        }
        for name in (BodyName.ROCKET, BodyName.BOOSTER):
            if name in senses:
                break_up_if_overloaded(flight, name, senses[name].dynamic_pressure)
                if name in flight.lost:
                    del senses[name]
        rocket_sense = senses.get(BodyName.ROCKET)
        if rocket_sense is not None:
            rocket = flight.bodies[BodyName.ROCKET]
            if flight.stage1_attached and flight.liftoff_tick is None:
                self._hold_down(rocket, rocket_sense)
            elif flight.stage1_attached and flight.capsule_attached:
                flight.ascent.fly(t_plus, rocket, rocket_sense, flight.emit)
            elif flight.stage1_attached:
                flight.ascent.watch_max_q(t_plus, rocket_sense, flight.emit)
            elif flight.upper is not None and flight.capsule_attached:
                flight.upper.fly(t_plus, rocket, rocket_sense, flight.emit)
                if flight.upper.in_orbit and flight.orbit_t is None:
                    flight.orbit_t = flight.t
        booster_sense = senses.get(BodyName.BOOSTER)
        if (
            flight.recovery is not None
            and booster_sense is not None
            and BodyName.BOOSTER not in flight.landed
        ):
            flight.recovery.fly(
                flight.t, TICK, flight.bodies[BodyName.BOOSTER], booster_sense, flight.emit
            )
        capsule_sense = senses.get(BodyName.CAPSULE)
        if (
            flight.capsule is not None
            and capsule_sense is not None
            and BodyName.CAPSULE not in flight.landed
        ):
            flight.capsule.fly(
                TICK,
                flight.bodies[BodyName.CAPSULE],
                capsule_sense.speed,
                capsule_sense.vertical_speed,
                flight.emit,
            )

    def _hold_down(self, rocket: Body, sense: Sense) -> None:
        """On the pad: lift off once thrust beats weight, else burn in place."""
        flight = self._flight
        engines = rocket.engines
        if engines is None or not engines.running or not flight.capsule_attached:
            return
        engines.burn(engines.running, flight.ascent.commanded)
        thrust = (
            engines.running
            * engines.throttle
            * engines.motor.thrust_and_flow(sense.air.pressure)[0]
        )
        weight = sense.mass * sense.acceleration
        if thrust > weight:
            rocket.grounded_at = None
            flight.liftoff_tick = flight.ticks
            flight.emit(
                EventType.LIFTOFF, Device.ROCKET, f"lift-off, thrust/weight {thrust / weight:.2f}"
            )
        else:
            rocket.burn_propellant(TICK)

    def _quiet(self, name: BodyName, body: Body) -> bool:
        """True when the body's computer has nothing to decide above the air."""
        flight = self._flight
        if body.powered or body.extra_cda or body.grounded_at is not None:
            return False
        if name is BodyName.ROCKET:
            upper = flight.upper
            return (
                not flight.stage1_attached
                and upper is not None
                and not (flight.capsule_attached and upper.waiting)
            )
        if name is BodyName.BOOSTER:
            recovery = flight.recovery
            return (
                recovery is not None
                and recovery.phase is FlightPhase.COAST
                and recovery.boostback_done
            )
        if name is BodyName.CAPSULE:
            return flight.capsule is not None and flight.capsule.phase is FlightPhase.ABORT
        return True

    def _integrate(self) -> None:
        flight = self._flight
        for name, body in list(flight.bodies.items()):
            if name in flight.lost:
                continue
            if body.grounded_at is not None:
                body.hold(flight.t + TICK)
                continue
            lag = flight.lag.get(name, 0)
            if self._quiet(name, body) and body.altitude > VACUUM:
                lag += 1
                if lag >= COARSE:
                    body.advance(lag * TICK)
                    lag = 0
                flight.lag[name] = lag
                continue
            if lag:
                flight.sync(name)
            before = body.state
            body.advance(TICK)
            if body.altitude < 0.0:
                touch_down(flight, name, body, before)

    def _subsystems(self) -> None:
        """Engine turbines, the satellite bus and the astronaut, after the tick."""
        flight = self._flight
        for name, body in flight.bodies.items():
            if body.engines is not None and name not in flight.lost:
                body.engines.cool_or_heat(TICK)
        if flight.bus is not None and BodyName.SATELLITE not in flight.lost:
            x, y = flight.bodies[BodyName.SATELLITE].state[:2]
            flight.bus.update(TICK, x, y)
        if flight.ticks % _PHYSIOLOGY_TICKS == 0:
            carrier = flight.carrier()
            sense = flight.senses.get(carrier)
            if sense is None:  # coasting in coarse steps: its committed state will do
                body = flight.bodies[carrier]
                sense = body.sense(flight.t - flight.lag.get(carrier, 0) * TICK)
            situation = _SITUATIONS[flight.phase(Device.SUIT)]
            flight.astronaut.update(UPDATE, situation, sense.acceleration / G0)
