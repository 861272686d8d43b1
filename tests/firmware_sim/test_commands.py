"""Commands are refused when they make no sense for the phase, with a reason."""

from __future__ import annotations

import pytest

from firmware_sim.physics import Autopilot, AutopilotConfig, World
from firmware_sim.vehicles import Vehicle
from marsy.protocol.enums import Device, EventType, FlightPhase


def fly_to(
    world: World, phase: FlightPhase, device: Device = Device.ROCKET, limit: float = 900.0
) -> None:
    while world.phase(device) is not phase:
        assert world.t < limit, f"never reached {phase}"
        world.step(0.5)


def test_nothing_but_ignition_or_ejection_on_the_pad(marsy: Vehicle) -> None:
    world = World(marsy)
    world.step(1.0)
    for command in (world.separate, world.detach, world.destruct):
        accepted, reason = command()
        assert not accepted and reason
    assert not world.set_throttle(80.0).accepted
    assert world.ignite().accepted
    accepted, reason = world.ignite()
    assert not accepted and "already" in reason
    world.step(0.1)
    assert world.phase(Device.ROCKET) is FlightPhase.ASCENT


def test_throttle_range_and_effect(marsy: Vehicle) -> None:
    world = World(marsy)
    world.ignite()
    world.step(2.0)
    assert not world.set_throttle(10.0).accepted  # below the engines' minimum
    assert not world.set_throttle(101.0).accepted
    assert not world.set_throttle(float("nan")).accepted
    assert world.set_throttle(70.0).accepted
    world.step(0.1)
    assert world.truth(Device.ROCKET)["throttle"] == pytest.approx(70.0)


def test_separation_on_command(marsy: Vehicle) -> None:
    world = World(marsy, autopilot=Autopilot(AutopilotConfig(ignite_at=0.0, separate=False)))
    world.step(30.0)
    assert not world.detach().accepted  # before separation
    assert world.separate().accepted
    events = [e.event for e in world.pop_events()]
    assert events[-2:] == [EventType.MECO, EventType.STAGE_SEPARATION]
    assert world.active(Device.BOOSTER)
    assert world.truth(Device.ROCKET)["fuel_stage1"] == 0.0
    assert not world.separate().accepted


def test_detach_only_in_orbit(marsy: Vehicle) -> None:
    world = World(marsy, autopilot=Autopilot(AutopilotConfig(detach=False)))
    fly_to(world, FlightPhase.UPPER_STAGE)
    assert not world.detach().accepted  # not in orbit yet
    fly_to(world, FlightPhase.ORBIT)
    assert world.detach().accepted
    assert world.active(Device.SATELLITE)
    assert not world.detach().accepted
    assert not world.eject().accepted  # no abort from orbit


def test_destruct_ends_the_flight(marsy: Vehicle) -> None:
    world = World(marsy, autopilot=Autopilot())
    world.step(40.0)
    assert world.destruct().accepted
    assert [e.event for e in world.pop_events()][-1] is EventType.SELF_DESTRUCT
    assert world.phase(Device.ROCKET) is FlightPhase.DESTROYED
    assert world.phase(Device.SUIT) is FlightPhase.DESTROYED
    assert not world.destruct().accepted
    assert not world.eject().accepted


def test_eject_only_once(marsy: Vehicle) -> None:
    world = World(marsy, autopilot=Autopilot())
    world.step(20.0)
    assert world.eject().accepted
    assert not world.eject().accepted
    assert not world.set_throttle(90.0).accepted
    assert world.phase(Device.ROCKET) is FlightPhase.ABORT


def test_step_needs_a_positive_duration(marsy: Vehicle) -> None:
    world = World(marsy)
    for bad in (0.0, -1.0, float("inf"), float("nan")):
        with pytest.raises(ValueError):
            world.step(bad)
