"""What each device's sensors would read, exactly, keyed by the parameter dictionary's names."""

from __future__ import annotations

from dataclasses import dataclass

from firmware_sim.physics.earth import G0, apsides
from firmware_sim.physics.flight import Flight, Truth
from firmware_sim.physics.names import BodyName
from firmware_sim.physics.propulsion import EngineBay
from marsy.protocol.enums import Device, FlightPhase


@dataclass(frozen=True, slots=True)
class BodySnapshot:
    """One body's kinematics at one instant: a row of a trajectory export."""

    body: BodyName
    phase: FlightPhase
    altitude: float
    downrange: float
    speed: float
    """m/s relative to the rotating Earth."""
    inertial_speed: float
    vertical_speed: float
    acceleration: float
    dynamic_pressure: float
    mach: float
    mass: float
    throttle: float
    """% of full thrust actually burning (0 when no engine burns)."""


_PHASE_DEVICE = {
    BodyName.ROCKET: Device.ROCKET,
    BodyName.BOOSTER: Device.BOOSTER,
    BodyName.SATELLITE: Device.SATELLITE,
    BodyName.CAPSULE: Device.SUIT,
}


def _engine_readings(engines: EngineBay | None, powered: bool) -> tuple[float, float, int, float]:
    """Throttle (%), chamber pressure (Pa), engines burning, turbine temperature (K)."""
    if engines is None:
        return 0.0, 0.0, 0, 0.0
    if not powered:
        return 0.0, 0.0, 0, engines.temperature
    return (
        100.0 * engines.throttle,
        engines.chamber_pressure(),
        engines.running,
        engines.temperature,
    )


def snapshot(flight: Flight, name: BodyName) -> BodySnapshot:
    body = flight.bodies[name]
    sense = flight.sense(name)
    throttle = _engine_readings(body.engines, body.powered)[0]
    return BodySnapshot(
        body=name,
        phase=flight.phase(_PHASE_DEVICE[name]),
        altitude=sense.altitude,
        downrange=sense.downrange,
        speed=sense.speed,
        inertial_speed=sense.inertial_speed,
        vertical_speed=sense.vertical_speed,
        acceleration=sense.acceleration,
        dynamic_pressure=sense.dynamic_pressure,
        mach=sense.mach,
        mass=sense.mass,
        throttle=throttle,
    )


def build_truth(flight: Flight, device: Device) -> Truth:
    """Every parameter of ``device`` from the flight's current state, in dictionary order."""
    if device is Device.ROCKET:
        return _rocket(flight)
    if device is Device.BOOSTER:
        return _booster(flight)
    if device is Device.SATELLITE:
        return _satellite(flight)
    return _suit(flight)


def _rocket(flight: Flight) -> Truth:
    body = flight.bodies[BodyName.ROCKET]
    state = flight.state_of(BodyName.ROCKET)
    sense = body.sense(flight.t, state)
    x, y, vx, vy, prop = state
    apoapsis, periapsis = apsides(x, y, vx, vy)
    throttle, chamber, running, turbine = _engine_readings(body.engines, body.powered)
    if flight.stage1_attached:
        stage1, stage2 = 100.0 * prop / body.capacity, 100.0
    else:
        stage1, stage2 = 0.0, 100.0 * prop / body.capacity
    cabin = flight.vehicle.capsule.cabin_pressure if flight.capsule_attached else sense.air.pressure
    return {
        "altitude": sense.altitude,
        "velocity": sense.speed,
        "inertial_velocity": sense.inertial_speed,
        "vertical_speed": sense.vertical_speed,
        "downrange": sense.downrange,
        "acceleration": sense.acceleration,
        "dynamic_pressure": sense.dynamic_pressure,
        "mach": sense.mach,
        "throttle": throttle,
        "fuel_stage1": stage1,
        "fuel_stage2": stage2,
        "mass": sense.mass,
        "chamber_pressure": chamber,
        "engine_temperature": turbine,
        "cabin_pressure": cabin,
        "apoapsis": apoapsis,
        "periapsis": periapsis,
        "engines_running": running,
    }


def _booster(flight: Flight) -> Truth:
    body = flight.bodies[BodyName.BOOSTER]
    sense = flight.sense(BodyName.BOOSTER)
    throttle, _, running, turbine = _engine_readings(body.engines, body.powered)
    return {
        "altitude": sense.altitude,
        "velocity": sense.speed,
        "vertical_speed": sense.vertical_speed,
        "downrange": sense.downrange,
        "acceleration": sense.acceleration,
        "dynamic_pressure": sense.dynamic_pressure,
        "throttle": throttle,
        "fuel": 100.0 * body.propellant / body.capacity,
        "engine_temperature": turbine,
        "engines_running": running,
    }


def _satellite(flight: Flight) -> Truth:
    state = flight.state_of(BodyName.SATELLITE)
    x, y, vx, vy, _ = state
    sense = flight.bodies[BodyName.SATELLITE].sense(flight.t, state)
    apoapsis, periapsis = apsides(x, y, vx, vy)
    bus = flight.bus
    assert bus is not None
    return {
        "altitude": sense.altitude,
        "inertial_velocity": sense.inertial_speed,
        "apoapsis": apoapsis,
        "periapsis": periapsis,
        "battery": bus.battery,
        "temperature": bus.temperature,
        "solar_power": bus.solar_power,
    }


def _suit(flight: Flight) -> Truth:
    heart, breathing, spo2, temperature = flight.astronaut.vitals()
    sense = flight.sense(flight.carrier())
    return {
        "heart_rate": heart,
        "breathing_rate": breathing,
        "spo2": spo2,
        "body_temperature": temperature,
        "suit_pressure": flight.vehicle.capsule.cabin_pressure,
        "g_load": sense.acceleration / G0,
        "altitude": sense.altitude,
        "vertical_speed": sense.vertical_speed,
    }
