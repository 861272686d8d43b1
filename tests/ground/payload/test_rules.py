"""The detach decision as pure functions: in the target orbit, only after the rocket reported
the stage separation, never twice; and the satellite recorder's route."""

from __future__ import annotations

import pytest

from ground.payload.rules import (
    DETACH,
    NOT_STAGED,
    DetachCriteria,
    manual_detach,
    propose,
)
from ground.payload.storage import satellite_filters, satellite_route
from ground.steering.flight import FlightView, RocketSample
from ground.steering.steps import OutOfOrder, OutsideEnvelope
from ground.steering.store import AUTO, Order, Outcome
from marsy.protocol import (
    CommandAction,
    Device,
    DeviceTelemetry,
    EventType,
    FlightPhase,
    MissionState,
    Topics,
)
from marsy.settings import InfluxSettings

CRITERIA = DetachCriteria()
T0 = 1_800_000_000.0
STAGED = {EventType.STAGE_SEPARATION: T0 + 120.0}
ORBIT = {"apoapsis": 205_400.0, "periapsis": 196_200.0, "altitude": 199_900.0}


def view(
    phase: FlightPhase, milestones: dict[EventType, float] | None = None, **values: float
) -> FlightView:
    rocket = RocketSample(ts=T0 + 460, phase=phase, phase_since=T0 + 456, values=values)
    return FlightView("M1", MissionState.FLYING, rocket, dict(milestones or {}))


def detach_order(outcome: Outcome) -> dict[str, Order]:
    order = Order(
        mission_id="M1",
        step=DETACH,
        attempt=1,
        command_id="payload-detach-M1",
        device=Device.ROCKET,
        action=CommandAction.DETACH,
        origin=AUTO,
        why="orbit reached",
        ordered_at=T0 + 457,
        outcome=outcome,
    )
    return {DETACH: order}


def test_detach_in_orbit_once_staging_is_confirmed() -> None:
    (proposal,) = propose(view(FlightPhase.ORBIT, STAGED, **ORBIT), {}, CRITERIA)
    assert (proposal.step, proposal.action) == (DETACH, CommandAction.DETACH)
    assert proposal.why == "orbit reached, 205 x 196 km"


def test_no_detach_before_the_rocket_reported_the_separation() -> None:
    assert propose(view(FlightPhase.ORBIT, {}, **ORBIT), {}, CRITERIA) == []


@pytest.mark.parametrize(
    ("phase", "periapsis", "due"),
    [
        (FlightPhase.UPPER_STAGE, 160_000.0, False),  # still burning
        (FlightPhase.COAST, -2_000_000.0, False),  # between separation and ignition
        (FlightPhase.COAST, 149_000.0, False),
        (FlightPhase.COAST, 151_000.0, True),  # engines off above the target periapsis
    ],
)
def test_the_target_periapsis_counts_with_the_engines_off(
    phase: FlightPhase, periapsis: float, due: bool
) -> None:
    proposals = propose(view(phase, STAGED, periapsis=periapsis), {}, CRITERIA)
    assert bool(proposals) is due


def test_without_a_target_periapsis_only_the_orbit_phase_counts() -> None:
    strict = DetachCriteria(target_periapsis=None)
    assert propose(view(FlightPhase.COAST, STAGED, periapsis=500_000.0), {}, strict) == []
    assert propose(view(FlightPhase.ORBIT, STAGED), {}, strict)


def test_never_twice() -> None:
    satellite_free = {**STAGED, EventType.PAYLOAD_DETACHED: T0 + 470}
    assert propose(view(FlightPhase.ORBIT, satellite_free, **ORBIT), {}, CRITERIA) == []
    accepted = detach_order(Outcome.ACCEPTED)
    assert propose(view(FlightPhase.ORBIT, STAGED, **ORBIT), accepted, CRITERIA) == []


@pytest.mark.parametrize(
    ("flight", "orders", "reason"),
    [
        (view(FlightPhase.ORBIT, {}, **ORBIT), {}, NOT_STAGED),
        (
            view(FlightPhase.ORBIT, {**STAGED, EventType.PAYLOAD_DETACHED: T0}),
            {},
            "the payload is already detached",
        ),
        (
            view(FlightPhase.ORBIT, STAGED),
            detach_order(Outcome.PENDING),
            "payload detach already ordered (payload-detach-M1), awaiting the ack",
        ),
    ],
)
def test_a_manual_detach_out_of_order_says_why_even_forced(
    flight: FlightView, orders: dict[str, Order], reason: str
) -> None:
    for force in (False, True):
        with pytest.raises(OutOfOrder) as refused:
            manual_detach(flight, orders, "M1", "operator's call", CRITERIA, force=force)
        assert str(refused.value) == reason
        assert not isinstance(refused.value, OutsideEnvelope)


def test_a_manual_detach_in_orbit_is_proposed_with_its_reason() -> None:
    proposal = manual_detach(view(FlightPhase.ORBIT, STAGED, **ORBIT), {}, "M1", "go", CRITERIA)
    assert (proposal.step, proposal.why, proposal.forced) == (DETACH, "manual order: go", False)


def test_a_manual_detach_short_of_the_orbit_needs_force_and_says_the_rule() -> None:
    burning = view(FlightPhase.UPPER_STAGE, STAGED, periapsis=-10_000.0)
    with pytest.raises(OutsideEnvelope) as refused:
        manual_detach(burning, {}, "M1", "operator's call", CRITERIA)
    assert str(refused.value) == (
        "manual detach outside the envelope: target orbit not reached (rocket in phase "
        "upper_stage, periapsis -10 km below the 150 km target); send force=true with a reason "
        "to override"
    )
    forced = manual_detach(burning, {}, "M1", "satellite overheating", CRITERIA, force=True)
    assert forced.forced
    assert forced.why.startswith("manual order, forced outside the envelope (target orbit not")
    assert forced.why.endswith("): satellite overheating")


def test_satellite_telemetry_goes_to_the_payload_database_and_nothing_else_is_stored() -> None:
    settings = InfluxSettings(payload_db="payload_x", flight_db="flight_x")
    route = satellite_route(settings)

    def sample(device: Device) -> DeviceTelemetry:
        return DeviceTelemetry(
            mission_id="M1",
            source=str(device),
            seq=3,
            ts=T0,
            device=device,
            phase=FlightPhase.ORBIT,
            values={"altitude": 200_000.0},
        )

    stored = route(sample(Device.SATELLITE))
    assert stored is not None
    database, line = stored
    assert database == "payload_x"
    assert line.startswith("satellite,mission=M1,source=satellite ")
    assert route(sample(Device.ROCKET)) is None
    assert satellite_filters(Topics("r")) == ["r/telemetry/satellite"]
