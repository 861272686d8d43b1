"""How the vehicle comes apart: the stack on the pad, staging, payload detach, the crew's escape.

Each split hands the parent's exact state to the new bodies and moves mass from one to the
other, so no mass appears or vanishes at a separation.
"""

from __future__ import annotations

import math

from firmware_sim.physics.aero import DragCurve, disc_area
from firmware_sim.physics.dynamics import Body
from firmware_sim.physics.propulsion import EngineBay
from firmware_sim.vehicles import Vehicle


def capsule_launch_mass(vehicle: Vehicle) -> float:
    """kg of the capsule as it sits on the rocket: capsule, crew and abort propellant."""
    return vehicle.capsule.mass + vehicle.capsule.abort_propellant


def payload_mass(vehicle: Vehicle, *, capsule: bool, satellite: bool) -> float:
    """kg the upper stage carries: the trunk always, the capsule and satellite while aboard."""
    mass = vehicle.capsule.trunk_mass
    if capsule:
        mass += capsule_launch_mass(vehicle)
    if satellite:
        mass += vehicle.satellite.mass
    return mass


def stack_on_pad(vehicle: Vehicle) -> Body:
    """The fully fuelled stack at rest on the pad (longitude 0) at t = 0."""
    stage2 = vehicle.stage2
    fixed = (
        vehicle.stage1.dry_mass
        + stage2.dry_mass
        + stage2.propellant_mass
        + payload_mass(vehicle, capsule=True, satellite=True)
    )
    return Body.on_ground(
        0.0,
        0.0,
        propellant=vehicle.stage1.propellant_mass,
        fixed_mass=fixed,
        capacity=vehicle.stage1.propellant_mass,
        area=disc_area(vehicle.diameter),
        drag=DragCurve(vehicle.ascent.stack_cd),
        engines=EngineBay.of(vehicle.stage1.engine, vehicle.stage1.engines),
    )


def split_stack(vehicle: Vehicle, stack: Body, *, capsule: bool) -> tuple[Body, Body]:
    """Staging: (booster, upper stage) from the stack; the booster keeps the first-stage engines."""
    x, y, vx, vy, left = stack.state
    engines = stack.engines or EngineBay.of(vehicle.stage1.engine, vehicle.stage1.engines)
    engines.cut()
    booster = Body(
        (x, y, vx, vy, left),
        fixed_mass=vehicle.stage1.dry_mass,
        capacity=vehicle.stage1.propellant_mass,
        area=disc_area(vehicle.diameter),
        drag=DragCurve(vehicle.booster.cd),
        engines=engines,
    )
    stage2 = vehicle.stage2
    upper = Body(
        (x, y, vx, vy, stage2.propellant_mass),
        fixed_mass=stage2.dry_mass + payload_mass(vehicle, capsule=capsule, satellite=True),
        capacity=stage2.propellant_mass,
        area=disc_area(vehicle.diameter),
        drag=DragCurve(vehicle.ascent.upper_stage_cd),
        engines=EngineBay.of(stage2.engine, stage2.engines),
    )
    return booster, upper


def release_satellite(vehicle: Vehicle, carrier: Body) -> Body:
    """The satellite pushed off the carrier along its velocity by the separation springs."""
    sat = vehicle.satellite
    carrier.fixed_mass -= sat.mass
    x, y, vx, vy, _ = carrier.state
    speed = math.hypot(vx, vy)
    push = sat.separation_speed / speed if speed > 0.0 else 0.0
    # The carrier recoils by the same momentum.
    recoil = push * sat.mass / carrier.mass
    cx, cy, cvx, cvy, cp = carrier.state
    carrier.state = (cx, cy, cvx * (1.0 - recoil), cvy * (1.0 - recoil), cp)
    return Body(
        (x, y, vx * (1.0 + push), vy * (1.0 + push), 0.0),
        fixed_mass=sat.mass,
        capacity=1.0,
        area=sat.area,
        drag=DragCurve(((0.0, sat.cd),)),
    )
