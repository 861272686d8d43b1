"""Commands the ground (or the autopilot) gives the vehicle, each refused when out of phase."""

from __future__ import annotations

import math
from typing import NamedTuple

from firmware_sim.physics.booster import BoosterComputer
from firmware_sim.physics.capsule import CapsuleComputer, eject
from firmware_sim.physics.flight import Flight
from firmware_sim.physics.names import BodyName
from firmware_sim.physics.outcomes import destroy_rocket
from firmware_sim.physics.satellite import SatelliteBus
from firmware_sim.physics.staging import capsule_launch_mass, release_satellite, split_stack
from firmware_sim.physics.upper_stage import UpperStageComputer
from marsy.protocol.enums import Device, EventType, FlightPhase

_SEPARABLE = (FlightPhase.ASCENT, FlightPhase.MAX_Q, FlightPhase.COAST)


class CommandResult(NamedTuple):
    accepted: bool
    reason: str


def ignite(flight: Flight) -> CommandResult:
    if flight.ignited:
        return CommandResult(False, "already ignited")
    phase = flight.rocket_phase()
    if phase is not FlightPhase.PAD:
        return CommandResult(False, f"rocket is {phase}, not on the pad")
    engines = flight.bodies[BodyName.ROCKET].engines
    if engines is None or engines.failed:
        return CommandResult(False, "no working first-stage engines")
    flight.ignited = True
    engines.burn(engines.installed, flight.ascent.commanded)
    return CommandResult(True, "first-stage ignition")


def set_throttle(flight: Flight, percent: float) -> CommandResult:
    if not math.isfinite(percent):
        return CommandResult(False, "throttle must be a number")
    phase = flight.rocket_phase()
    if phase in (FlightPhase.DESTROYED, FlightPhase.ABORT):
        return CommandResult(False, f"rocket is {phase}")
    engines = flight.bodies[BodyName.ROCKET].engines
    if engines is None or not engines.running:
        return CommandResult(False, "engines not running")
    low = engines.min_throttle * 100.0
    if not low <= percent <= 100.0:
        return CommandResult(False, f"throttle must be within {low:.0f}-100 %")
    if flight.stage1_attached:
        flight.ascent.commanded = percent / 100.0
    elif flight.upper is not None:
        flight.upper.commanded = percent / 100.0
    return CommandResult(True, f"throttle {percent:.1f} %")


def separate(flight: Flight) -> CommandResult:
    if not flight.stage1_attached:
        return CommandResult(False, "already separated")
    phase = flight.rocket_phase()
    if phase not in _SEPARABLE:
        return CommandResult(False, f"cannot separate while the rocket is {phase}")
    stack = flight.sync(BodyName.ROCKET)
    if stack.engines is not None and stack.engines.running:
        left = 100.0 * stack.propellant / stack.capacity
        flight.ascent.cut_off(
            flight.t_plus,
            flight.emit,
            stack,
            f"cut-off for separation, {left:.1f} % propellant left",
        )
    vehicle = flight.vehicle
    booster, upper = split_stack(vehicle, stack, capsule=flight.capsule_attached)
    flight.stage1_attached = False
    flight.add(BodyName.ROCKET, upper)
    flight.add(BodyName.BOOSTER, booster)
    flight.upper = UpperStageComputer(vehicle, flight.t_plus + vehicle.ascent.upper_ignition_delay)
    flight.recovery = BoosterComputer(vehicle, flight.t)
    fuel = 100.0 * booster.propellant / booster.capacity
    flight.emit(
        EventType.STAGE_SEPARATION, Device.ROCKET, f"booster away with {fuel:.1f} % propellant"
    )
    return CommandResult(True, "stage separation")


def detach(flight: Flight) -> CommandResult:
    if not flight.satellite_attached:
        return CommandResult(False, "payload already detached")
    phase = flight.rocket_phase()
    if phase is not FlightPhase.ORBIT:
        return CommandResult(False, f"the payload detaches in orbit only (rocket is {phase})")
    carrier = flight.sync(BodyName.ROCKET)
    satellite = release_satellite(flight.vehicle, carrier)
    flight.satellite_attached = False
    flight.add(BodyName.SATELLITE, satellite)
    flight.bus = SatelliteBus(flight.vehicle.satellite)
    flight.emit(
        EventType.PAYLOAD_DETACHED,
        Device.SATELLITE,
        f"satellite released at {satellite.altitude / 1000:.1f} km",
    )
    return CommandResult(True, "payload detached")


def eject_capsule(flight: Flight) -> CommandResult:
    if not flight.capsule_attached:
        return CommandResult(False, "capsule already ejected")
    phase = flight.rocket_phase()
    if phase in (FlightPhase.ORBIT, FlightPhase.DESTROYED):
        return CommandResult(False, f"no ejection: the rocket is {phase}")
    rocket = flight.sync(BodyName.ROCKET)
    if rocket.engines is not None:
        rocket.engines.cut()
    rocket.fixed_mass -= capsule_launch_mass(flight.vehicle)
    flight.capsule_attached = False
    flight.add(BodyName.CAPSULE, eject(flight.vehicle.capsule, rocket.state))
    flight.capsule = CapsuleComputer(flight.vehicle.capsule)
    flight.astronaut.shock(1.0)
    flight.emit(
        EventType.EJECTION, Device.SUIT, f"capsule ejected at {rocket.altitude:.0f} m ({phase})"
    )
    return CommandResult(True, "capsule ejected")


def destruct(flight: Flight) -> CommandResult:
    phase = flight.rocket_phase()
    if phase is FlightPhase.DESTROYED:
        return CommandResult(False, "rocket already destroyed")
    if flight.liftoff_tick is None:
        return CommandResult(False, "rocket has not lifted off: scrub, do not destruct")
    flight.emit(EventType.SELF_DESTRUCT, Device.ROCKET, "flight termination")
    destroy_rocket(flight, flight.t)
    return CommandResult(True, "flight terminated")
