"""Crew escape: abort motor, drogues, mains, splashdown below 10 m/s, wherever it starts."""

from __future__ import annotations

import pytest

from firmware_sim.physics import BodyName, World
from firmware_sim.vehicles import Vehicle
from marsy.protocol.enums import Device, EventType, FlightPhase

from .flights import Recording

PARACHUTE_ORDER = [
    EventType.EJECTION,
    EventType.DROGUE_DEPLOYED,
    EventType.MAIN_DEPLOYED,
    EventType.CAPSULE_LANDED,
]


def test_ascent_abort_lands_under_parachutes(abort_flight: Recording) -> None:
    seen = [e.event for e in abort_flight.events if e.event in PARACHUTE_ORDER]
    assert seen == PARACHUTE_ORDER
    speed = abort_flight.world.touchdown_speed(BodyName.CAPSULE)
    assert speed is not None and speed < 10.0
    suit = abort_flight.of(Device.SUIT)
    assert [p for p in dict.fromkeys(s.phase for s in suit)] == [
        FlightPhase.PAD,
        FlightPhase.ASCENT,
        FlightPhase.MAX_Q,
        FlightPhase.ABORT,
        FlightPhase.PARACHUTES,
        FlightPhase.LANDED,
    ]


def test_crew_loads_after_a_max_q_abort(abort_flight: Recording) -> None:
    ejected = abort_flight.first(EventType.EJECTION).t
    world = abort_flight.world
    assert world.phase(Device.SUIT) is FlightPhase.LANDED
    loads = [
        float(s.truth["g_load"])
        for s in abort_flight.of(Device.SUIT)
        if ejected < s.t < ejected + 15.0
    ]
    # The abort motor fights Max-Q drag, then drag alone brakes the capsule: felt, not harmful.
    assert loads and 2.0 < max(loads) < 10.0


def test_rocket_without_its_crew_falls_back(abort_flight: Recording) -> None:
    assert abort_flight.world.phase(Device.ROCKET) is FlightPhase.DESTROYED
    ejected = abort_flight.first(EventType.EJECTION).t
    aborted = [s for s in abort_flight.of(Device.ROCKET) if s.t > ejected]
    assert aborted and all(s.phase is FlightPhase.ABORT for s in aborted)
    assert all(s.truth["engines_running"] == 0 for s in aborted)


def test_pad_abort(falcon9: Vehicle) -> None:
    world = World(falcon9)
    world.step(3.0)
    assert world.eject().accepted
    events: list[EventType] = []
    peak_g = apogee = 0.0
    while world.phase(Device.SUIT) is not FlightPhase.LANDED and world.t < 600.0:
        world.step(0.1)
        events.extend(e.event for e in world.pop_events())
        peak_g = max(peak_g, float(world.truth(Device.SUIT)["g_load"]))
        capsule = next(s for s in world.snapshot() if s.body is BodyName.CAPSULE)
        apogee = max(apogee, capsule.altitude)
    assert [e for e in events if e in PARACHUTE_ORDER] == PARACHUTE_ORDER
    assert 3.0 < peak_g < 8.0  # a few g from the abort motor
    assert 1_000.0 < apogee < 3_000.0  # high enough for the parachutes
    speed = world.touchdown_speed(BodyName.CAPSULE)
    assert speed is not None and speed < 10.0
    assert world.phase(Device.ROCKET) is FlightPhase.ABORT  # still standing on the pad


@pytest.mark.parametrize("eject_at", [20.0, 150.0])
def test_high_and_low_aborts_splash_down_gently(marsy: Vehicle, eject_at: float) -> None:
    from firmware_sim.physics import AutopilotConfig
    from firmware_sim.trajectory import fly

    summary = fly(marsy, autopilot=AutopilotConfig(eject_at=eject_at))
    assert summary.capsule_touchdown_speed is not None
    assert summary.capsule_touchdown_speed < 10.0
