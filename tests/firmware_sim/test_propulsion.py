"""Engines against the rocket equation, in a vacuum far from any gravity."""

from __future__ import annotations

import math

import pytest

from firmware_sim.physics.aero import DragCurve
from firmware_sim.physics.atmosphere import P0
from firmware_sim.physics.dynamics import Attitude, Body
from firmware_sim.physics.earth import G0
from firmware_sim.physics.propulsion import EngineBay, Motor
from firmware_sim.physics.staging import payload_mass
from firmware_sim.vehicles import Engine, Vehicle, load_vehicle

FAR = 1.0e12
"""m from the Earth's centre: no air at all, gravity about 4e-10 m/s2."""


def burn_to_empty(engine: Engine, engines: int, dry: float, propellant: float) -> Body:
    bay = EngineBay.of(engine, engines)
    bay.burn(engines, 1.0)
    body = Body(
        (FAR, 0.0, 0.0, 0.0, propellant),
        fixed_mass=dry,
        capacity=propellant,
        area=10.0,
        drag=DragCurve(((0.0, 0.3),)),
        engines=bay,
    )
    body.attitude = Attitude.UP
    while body.powered:
        body.advance(0.02)
    return body


def stages(vehicle: Vehicle) -> list[tuple[str, Engine, int, float, float]]:
    """Each stage as it flies: (label, engine, count, mass at burn-out, propellant)."""
    payload = payload_mass(vehicle, capsule=True, satellite=True)
    upper = vehicle.stage2.dry_mass + payload
    s1, s2 = vehicle.stage1, vehicle.stage2
    return [
        (
            "stage1",
            s1.engine,
            s1.engines,
            s1.dry_mass + upper + s2.propellant_mass,
            s1.propellant_mass,
        ),
        ("stage2", s2.engine, s2.engines, upper, s2.propellant_mass),
    ]


@pytest.mark.parametrize("name", ["marsy", "falcon9"])
def test_each_stage_delivers_the_rocket_equation(name: str) -> None:
    for label, engine, count, dry, propellant in stages(load_vehicle(name)):
        body = burn_to_empty(engine, count, dry, propellant)
        delivered = math.hypot(body.state[2], body.state[3])
        expected = engine.isp_vac * G0 * math.log((dry + propellant) / dry)
        assert delivered == pytest.approx(expected, rel=0.02), label
        assert delivered == pytest.approx(expected, rel=1e-6), label  # RK4 is far better


def test_an_empty_tank_is_exactly_empty(falcon9: Vehicle) -> None:
    stage = falcon9.stage2
    body = burn_to_empty(stage.engine, 1, stage.dry_mass, stage.propellant_mass)
    assert body.propellant == 0.0
    assert body.mass == stage.dry_mass


def test_burn_time_follows_the_mass_flow(falcon9: Vehicle) -> None:
    stage = falcon9.stage2
    bay = EngineBay.of(stage.engine, 1)
    bay.burn(1, 1.0)
    body = Body(
        (FAR, 0.0, 0.0, 0.0, stage.propellant_mass),
        fixed_mass=stage.dry_mass,
        capacity=stage.propellant_mass,
        area=10.0,
        drag=DragCurve(((0.0, 0.3),)),
        engines=bay,
    )
    flow = stage.engine.thrust_vac / (stage.engine.isp_vac * G0)
    ticks = 0
    while body.powered:
        body.advance(0.02)
        ticks += 1
    assert ticks * 0.02 == pytest.approx(stage.propellant_mass / flow, abs=0.02)


def test_thrust_and_isp_follow_ambient_pressure(falcon9: Vehicle) -> None:
    engine = falcon9.stage1.engine
    assert engine.thrust_sl is not None and engine.isp_sl is not None
    motor = Motor.of(engine)
    thrust, flow = motor.thrust_and_flow(P0)
    assert thrust == pytest.approx(engine.thrust_sl)
    assert flow == pytest.approx(engine.thrust_sl / (engine.isp_sl * G0))
    thrust, flow = motor.thrust_and_flow(0.0)
    assert thrust == pytest.approx(engine.thrust_vac)
    assert flow == pytest.approx(engine.thrust_vac / (engine.isp_vac * G0))
    half, _ = motor.thrust_and_flow(P0 / 2)
    assert half == pytest.approx((engine.thrust_sl + engine.thrust_vac) / 2)


def test_throttle_is_held_within_the_engine_range(falcon9: Vehicle) -> None:
    bay = EngineBay.of(falcon9.stage1.engine, 9)
    bay.burn(9, 0.1)
    assert bay.throttle == pytest.approx(falcon9.stage1.engine.min_throttle / 100)
    bay.burn(12, 1.7)
    assert (bay.running, bay.throttle) == (9, 1.0)
    bay.fail()
    bay.burn(9, 1.0)
    assert bay.running == 0
