"""The default MarsY mission: every step in order, and a scheduled explosion on time."""

from __future__ import annotations

import pytest

from firmware_sim.physics import AutopilotConfig, explode
from firmware_sim.physics.staging import payload_mass
from firmware_sim.vehicles import Vehicle
from marsy.protocol.enums import Device, EventType, FlightPhase

from .flights import Recording, record

NOMINAL_ORDER = [
    EventType.LIFTOFF,
    EventType.THROTTLE_DOWN,
    EventType.STAGE_SEPARATION,
    EventType.BOOSTER_LANDED,
    EventType.ORBIT,
    EventType.PAYLOAD_DETACHED,
]


def test_nominal_mission_shows_every_step_in_order(marsy_flight: Recording) -> None:
    seen = [e.event for e in marsy_flight.events]
    assert [e for e in seen if e in NOMINAL_ORDER] == NOMINAL_ORDER
    times = [e.t for e in marsy_flight.events]
    assert times == sorted(times)
    assert marsy_flight.t_plus(EventType.PAYLOAD_DETACHED) < 8 * 60.0
    for absent in (EventType.BOOSTER_LOST, EventType.EXPLOSION, EventType.ENGINE_FAILURE):
        assert absent not in seen


def test_max_q_bucket_brackets_the_peak(marsy_flight: Recording) -> None:
    down = marsy_flight.first(EventType.THROTTLE_DOWN).t
    peak = marsy_flight.first(EventType.MAX_Q).t
    up = marsy_flight.first(EventType.THROTTLE_UP).t
    assert down < peak < up
    rocket = [s for s in marsy_flight.of(Device.ROCKET) if down < s.t < up]
    assert {s.phase for s in rocket} == {FlightPhase.MAX_Q}
    assert all(s.truth["throttle"] == pytest.approx(80.0) for s in rocket)


def test_staging_happens_below_eight_percent(marsy_flight: Recording) -> None:
    staged = marsy_flight.first(EventType.STAGE_SEPARATION).t
    before = [s for s in marsy_flight.of(Device.ROCKET) if s.t < staged]
    booster = marsy_flight.of(Device.BOOSTER)
    assert float(before[-1].truth["fuel_stage1"]) < 8.5
    assert 0.0 < float(booster[0].truth["fuel"]) < 8.0
    assert marsy_flight.first(EventType.MECO).t <= staged


def test_fuel_never_negative_and_mass_never_below_dry(
    marsy: Vehicle, marsy_flight: Recording
) -> None:
    s1, s2 = marsy.stage1, marsy.stage2
    staged = marsy_flight.first(EventType.STAGE_SEPARATION).t
    released = marsy_flight.first(EventType.PAYLOAD_DETACHED).t
    for sample in marsy_flight.of(Device.ROCKET):
        truth = sample.truth
        assert float(truth["fuel_stage1"]) >= 0.0
        assert float(truth["fuel_stage2"]) >= 0.0
        floor = s2.dry_mass + payload_mass(marsy, capsule=True, satellite=sample.t < released)
        if sample.t < staged:
            floor += s1.dry_mass + s2.propellant_mass
        assert float(truth["mass"]) >= floor - 1e-6
    booster = marsy_flight.of(Device.BOOSTER)
    assert min(float(s.truth["fuel"]) for s in booster) > 0.0, "landed with fuel to spare"


def test_the_upper_stage_burns_to_empty_without_going_negative(marsy: Vehicle) -> None:
    out_of_reach = marsy.model_copy(
        update={"ascent": marsy.ascent.model_copy(update={"target_altitude": 2_000_000.0})}
    )
    flight = record(out_of_reach, dt=1.0, until=600.0)
    seco = flight.first(EventType.SECO)
    assert "propellant exhausted" in seco.detail
    after = [s for s in flight.of(Device.ROCKET) if s.t > seco.t]
    assert after and all(s.truth["fuel_stage2"] == 0.0 for s in after)
    dry = marsy.stage2.dry_mass + payload_mass(marsy, capsule=True, satellite=True)
    assert all(float(s.truth["mass"]) == pytest.approx(dry) for s in after)


def test_explosion_at_t_plus_30(marsy: Vehicle) -> None:
    flight = record(marsy, faults=[explode(30.0, warning=1.0)], dt=0.5, until=60.0)
    assert flight.t_plus(EventType.EXPLOSION_IMMINENT) == pytest.approx(29.0, abs=1e-6)
    assert flight.t_plus(EventType.EXPLOSION) == pytest.approx(30.0, abs=1e-6)
    world = flight.world
    assert world.phase(Device.ROCKET) is FlightPhase.DESTROYED
    assert not world.active(Device.ROCKET)
    assert not world.active(Device.SUIT), "the crew was still aboard"
    assert world.phase(Device.SUIT) is FlightPhase.DESTROYED
    last = flight.of(Device.ROCKET)[-1].truth
    assert world.truth(Device.ROCKET) == world.truth(Device.ROCKET)
    world.step(5.0)
    assert world.truth(Device.ROCKET)["altitude"] == pytest.approx(last["altitude"], rel=0.02)
    assert not world.active(Device.BOOSTER)


def test_crew_ejected_before_the_explosion_survives(marsy: Vehicle) -> None:
    flight = record(
        marsy, config=AutopilotConfig(eject_at=25.0), faults=[explode(30.0)], dt=1.0, until=400.0
    )
    assert flight.t_plus(EventType.EJECTION) < flight.t_plus(EventType.EXPLOSION)
    assert flight.world.phase(Device.SUIT) is FlightPhase.LANDED
    assert flight.world.active(Device.SUIT)


def test_engine_failure_brings_the_stack_down(marsy: Vehicle) -> None:
    from firmware_sim.physics import fail_engine

    flight = record(marsy, faults=[fail_engine(20.0)], dt=1.0, until=200.0)
    assert flight.t_plus(EventType.ENGINE_FAILURE) == pytest.approx(20.0, abs=1e-6)
    failed = [s for s in flight.of(Device.ROCKET) if s.t > flight.first(EventType.ENGINE_FAILURE).t]
    assert failed and all(s.truth["engines_running"] == 0 for s in failed)
    assert flight.world.phase(Device.ROCKET) is FlightPhase.DESTROYED
    assert EventType.EXPLOSION in {e.event for e in flight.events}
