"""How bodies end or break: ground contact, destruction, faults coming due."""

from __future__ import annotations

import math
from dataclasses import dataclass

from firmware_sim.physics.dynamics import Body, State
from firmware_sim.physics.earth import R_EARTH
from firmware_sim.physics.faults import Fault, FaultKind
from firmware_sim.physics.flight import TICK, Flight
from firmware_sim.physics.names import BodyName
from firmware_sim.physics.truth import build_truth
from marsy.protocol.enums import Device, EventType

BREAKUP_Q = 120_000.0
"""Pa of dynamic pressure that tears a rocket stage apart: about three times a design Max-Q,
only reached by a stage falling out of control (an abort, an engine failure)."""


def break_up_if_overloaded(flight: Flight, name: BodyName, dynamic_pressure: float) -> None:
    """Destroy a rocket or booster body whose air load exceeds what its structure takes."""
    if dynamic_pressure <= BREAKUP_Q or name in flight.lost:
        return
    detail = f"aerodynamic breakup at q {dynamic_pressure / 1000:.0f} kPa"
    if name is BodyName.ROCKET:
        flight.emit(EventType.EXPLOSION, Device.ROCKET, detail)
        destroy_rocket(flight, flight.t)
    elif name is BodyName.BOOSTER:
        _lose(flight, name, flight.t)
        flight.emit(EventType.BOOSTER_LOST, Device.BOOSTER, detail)


def destroy_rocket(flight: Flight, t: float) -> None:
    """The rocket (and the crew, if still aboard) is gone; its last truth stays readable."""
    if BodyName.ROCKET in flight.lost:
        return
    flight.sync(BodyName.ROCKET)
    flight.frozen[Device.ROCKET] = build_truth(flight, Device.ROCKET)
    if flight.capsule_attached and Device.SUIT not in flight.frozen:
        flight.frozen[Device.SUIT] = build_truth(flight, Device.SUIT)
    engines = flight.bodies[BodyName.ROCKET].engines
    if engines is not None:
        engines.cut()
    flight.lost[BodyName.ROCKET] = t


def _lose(flight: Flight, name: BodyName, t: float) -> None:
    device = Device.BOOSTER if name is BodyName.BOOSTER else Device.SATELLITE
    flight.frozen[device] = build_truth(flight, device)
    flight.lost[name] = t


def touch_down(flight: Flight, name: BodyName, body: Body, before: State) -> None:
    """Find the instant of ground contact inside the last tick and settle the body there."""
    alt0 = math.hypot(before[0], before[1]) - R_EARTH
    alt1 = body.altitude
    share = alt0 / (alt0 - alt1) if alt0 > alt1 else 0.0
    body.state = body.propagate(before, share * TICK)
    t = flight.t + share * TICK
    speed = body.sense(t).speed
    body.ground(t)
    if body.engines is not None:
        body.engines.cut()
    if name is BodyName.BOOSTER:
        _booster_down(flight, body, t, speed)
    elif name is BodyName.CAPSULE:
        assert flight.capsule is not None
        flight.capsule.touched_down()
        flight.landed[name] = speed
        flight.emit_at(t, EventType.CAPSULE_LANDED, Device.SUIT, f"splashdown at {speed:.2f} m/s")
    elif name is BodyName.ROCKET:
        flight.emit_at(t, EventType.EXPLOSION, Device.ROCKET, f"ground impact at {speed:.0f} m/s")
        destroy_rocket(flight, t)
    else:
        _lose(flight, name, t)


def _booster_down(flight: Flight, body: Body, t: float, speed: float) -> None:
    assert flight.recovery is not None
    flight.recovery.touched_down(body)
    if speed <= flight.vehicle.booster.max_touchdown_speed:
        flight.landed[BodyName.BOOSTER] = speed
        flight.emit_at(t, EventType.BOOSTER_LANDED, Device.BOOSTER, f"touchdown at {speed:.2f} m/s")
    else:
        _lose(flight, BodyName.BOOSTER, t)
        flight.emit_at(
            t,
            EventType.BOOSTER_LOST,
            Device.BOOSTER,
            f"impact at {speed:.1f} m/s, {body.propellant:.0f} kg left",
        )


@dataclass
class PendingFault:
    fault: Fault
    warned: bool = False


def apply_faults(flight: Flight, pending: list[PendingFault]) -> list[PendingFault]:
    """Fire the faults (and explosion warnings) now due; return those still to come."""
    if flight.liftoff_tick is None:
        return pending
    since = flight.ticks - flight.liftoff_tick
    later = []
    for entry in pending:
        fault = entry.fault
        warn = max(0, round((fault.at - fault.warning) / TICK))
        if (
            fault.kind is FaultKind.EXPLOSION
            and fault.warning
            and not entry.warned
            and since >= warn
        ):
            entry.warned = True
            _warn_explosion(flight, fault)
        if since < round(fault.at / TICK):
            later.append(entry)
        elif fault.kind is FaultKind.ENGINE_FAILURE:
            _fail_engine(flight)
        elif BodyName.ROCKET not in flight.lost:
            flight.emit(EventType.EXPLOSION, Device.ROCKET, f"explosion at T+{fault.at:.1f} s")
            destroy_rocket(flight, flight.t)
    return later


def _warn_explosion(flight: Flight, fault: Fault) -> None:
    if BodyName.ROCKET in flight.lost:
        return
    engines = flight.bodies[BodyName.ROCKET].engines
    if engines is not None:
        engines.overheat()
    flight.emit(
        EventType.EXPLOSION_IMMINENT, Device.ROCKET, f"explosion expected at T+{fault.at:.1f} s"
    )


def _fail_engine(flight: Flight) -> None:
    if BodyName.ROCKET in flight.lost:
        return
    engines = flight.bodies[BodyName.ROCKET].engines
    if engines is None or engines.failed:
        return
    engines.fail()
    stage = "first" if flight.stage1_attached else "upper"
    flight.emit(EventType.ENGINE_FAILURE, Device.ROCKET, f"{stage}-stage thrust lost")
