"""Staging's decisions as pure functions: Max-Q throttle only when the board did not, separation
below 8 % first-stage propellant, never while the stages are known apart."""

from __future__ import annotations

import pytest

from ground.staging.rules import (
    SEPARATE,
    THROTTLE_DOWN,
    THROTTLE_UP,
    StagingCriteria,
    manual_separation,
    propose,
)
from ground.steering.flight import FlightView, RocketSample
from ground.steering.steps import OutOfOrder, OutsideEnvelope
from ground.steering.store import AUTO, Order, Outcome
from marsy.protocol import CommandAction, Device, EventType, FlightPhase, MissionState

CRITERIA = StagingCriteria()
T0 = 1_800_000_000.0


def view(
    phase: FlightPhase = FlightPhase.ASCENT,
    *,
    since: float = 0.0,
    at: float = 10.0,
    state: MissionState = MissionState.FLYING,
    milestones: dict[EventType, float] | None = None,
    **values: float,
) -> FlightView:
    rocket = RocketSample(ts=T0 + at, phase=phase, phase_since=T0 + since, values=values)
    return FlightView("M1", state, rocket, milestones or {})


def order(step: str, outcome: Outcome, action: CommandAction = CommandAction.SEPARATE) -> Order:
    return Order(
        mission_id="M1",
        step=step,
        attempt=1,
        command_id=f"staging-{step}-M1",
        device=Device.ROCKET,
        action=action,
        level=80.0 if action is CommandAction.THROTTLE else None,
        origin=AUTO,
        why="test",
        ordered_at=T0,
        outcome=outcome,
    )


def steps(v: FlightView, orders: dict[str, Order] | None = None) -> list[str]:
    return [p.step for p in propose(v, orders or {}, CRITERIA)]


@pytest.mark.parametrize(
    ("fuel", "phase", "due"),
    [
        (8.5, FlightPhase.ASCENT, []),
        (8.0, FlightPhase.ASCENT, []),
        (7.99, FlightPhase.ASCENT, [SEPARATE]),
        (7.0, FlightPhase.COAST, [SEPARATE]),  # the board cut the engines at its reserve
        (16.0, FlightPhase.COAST, [SEPARATE]),  # cut off with propellant kept to fly home
        (5.0, FlightPhase.PAD, []),
        (0.0, FlightPhase.UPPER_STAGE, []),
    ],
)
def test_separation_is_due_below_8_percent_in_a_separable_phase(
    fuel: float, phase: FlightPhase, due: list[str]
) -> None:
    assert steps(view(phase, fuel_stage1=fuel, throttle=100.0)) == due


def test_the_separation_says_why() -> None:
    (proposal,) = propose(view(fuel_stage1=7.94), {}, CRITERIA)
    assert proposal.action is CommandAction.SEPARATE and proposal.level is None
    assert proposal.why == "first-stage propellant at 7.9 % (below 8 %)"


def test_a_first_stage_that_cut_off_with_propellant_for_home_is_separated() -> None:
    (proposal,) = propose(view(FlightPhase.COAST, fuel_stage1=16.04), {}, CRITERIA)
    assert proposal.why == "first stage cut off by itself, 16.0 % kept for its way home"


def test_nothing_is_due_once_the_stages_are_known_apart() -> None:
    """The rocket reports 0 % first-stage propellant once separated: that is no new order."""
    after_event = view(
        FlightPhase.COAST, fuel_stage1=0.0, milestones={EventType.STAGE_SEPARATION: T0}
    )
    assert steps(after_event) == []
    accepted = {SEPARATE: order(SEPARATE, Outcome.ACCEPTED)}
    assert steps(view(FlightPhase.COAST, fuel_stage1=0.0), accepted) == []


def test_a_board_that_throttled_itself_at_max_q_gets_no_order() -> None:
    assert steps(view(FlightPhase.MAX_Q, since=0.0, at=30.0, throttle=80.0, fuel_stage1=60)) == []


def test_max_q_throttle_down_only_after_the_boards_grace() -> None:
    early = view(FlightPhase.MAX_Q, since=10.0, at=10.5, throttle=100.0, fuel_stage1=60.0)
    assert steps(early) == []
    late = view(FlightPhase.MAX_Q, since=10.0, at=11.0, throttle=100.0, fuel_stage1=60.0)
    (proposal,) = propose(late, {}, CRITERIA)
    assert proposal.step == THROTTLE_DOWN
    assert proposal.action is CommandAction.THROTTLE and proposal.level == 80.0
    assert "100 %" in proposal.why


def test_a_ground_imposed_bucket_is_lifted_after_max_q() -> None:
    down = {THROTTLE_DOWN: order(THROTTLE_DOWN, Outcome.ACCEPTED, CommandAction.THROTTLE)}
    after = view(FlightPhase.ASCENT, throttle=80.0, fuel_stage1=40.0)
    (proposal,) = propose(after, down, CRITERIA)
    assert (proposal.step, proposal.level) == (THROTTLE_UP, 100.0)
    assert steps(after) == [], "the board's own bucket is the board's to lift"
    refused = {THROTTLE_DOWN: order(THROTTLE_DOWN, Outcome.REFUSED, CommandAction.THROTTLE)}
    assert steps(after, refused) == []


def test_criteria_come_from_the_model() -> None:
    lenient = StagingCriteria(separate_below=10.0)
    assert [p.step for p in propose(view(fuel_stage1=9.0), {}, lenient)] == [SEPARATE]
    with pytest.raises(ValueError, match="separate_below"):
        StagingCriteria(separate_below=0.0)


def test_no_rocket_sample_no_decision() -> None:
    assert propose(FlightView("M1", MissionState.FLYING), {}, CRITERIA) == []


@pytest.mark.parametrize(
    ("flight", "orders", "mission", "reason"),
    [
        (FlightView(), {}, "M1", "no mission announced"),
        (view(fuel_stage1=50.0), {}, "M2", "mission M2 is not the current one (M1)"),
        (
            view(fuel_stage1=50.0, state=MissionState.ABORTED),
            {},
            "M1",
            "mission M1 is aborted",
        ),
        (
            view(FlightPhase.COAST, milestones={EventType.STAGE_SEPARATION: T0}),
            {},
            "M1",
            "the stages are already separated",
        ),
        (
            view(fuel_stage1=7.0),
            {SEPARATE: order(SEPARATE, Outcome.PENDING)},
            "M1",
            "stage separation already ordered (staging-separate-M1), awaiting the ack",
        ),
        (FlightView("M1", MissionState.FLYING), {}, "M1", "no rocket telemetry yet for mission M1"),
        (view(FlightPhase.PAD, fuel_stage1=100.0), {}, "M1", "no stage separation in phase pad"),
    ],
)
def test_a_manual_separation_out_of_order_says_why(
    flight: FlightView, orders: dict[str, Order], mission: str, reason: str
) -> None:
    with pytest.raises(OutOfOrder) as refused:
        manual_separation(flight, orders, mission, "operator's call")
    assert str(refused.value) == reason


def test_a_manual_separation_in_the_envelope_is_proposed_with_its_reason() -> None:
    proposal = manual_separation(view(fuel_stage1=7.5), {}, "M1", "engine out")
    assert (proposal.step, proposal.why, proposal.forced) == (
        SEPARATE,
        "manual order: engine out",
        False,
    )
    refused = {SEPARATE: order(SEPARATE, Outcome.REFUSED)}
    assert manual_separation(view(fuel_stage1=7.5), refused, "M1", "again").step == SEPARATE
    after_cut_off = view(FlightPhase.COAST, fuel_stage1=9.0)
    assert not manual_separation(after_cut_off, {}, "M1", "MECO").forced


def test_a_manual_separation_with_propellant_left_needs_force_and_says_the_rule() -> None:
    early = view(at=13.0, fuel_stage1=88.7)
    with pytest.raises(OutsideEnvelope) as refused:
        manual_separation(early, {}, "M1", "looks done")
    assert str(refused.value) == (
        "manual separation outside the envelope: first-stage propellant 88.7 %, not below 8 %, "
        "and no cut-off yet (phase ascent); send force=true with a reason to override"
    )
    forced = manual_separation(early, {}, "M1", "engine fire", force=True)
    assert forced.forced
    assert forced.why == (
        "manual order, forced outside the envelope (first-stage propellant 88.7 %, not below "
        "8 %, and no cut-off yet (phase ascent)): engine fire"
    )


def test_force_never_separates_out_of_order() -> None:
    with pytest.raises(OutOfOrder, match="no stage separation in phase pad"):
        manual_separation(view(FlightPhase.PAD, fuel_stage1=100.0), {}, "M1", "x", force=True)


def test_the_envelope_is_the_criteria_the_rules_use() -> None:
    later = StagingCriteria(separate_below=20.0)
    assert not manual_separation(view(fuel_stage1=15.0), {}, "M1", "spec", later).forced
    with pytest.raises(OutsideEnvelope, match="not below 20 %"):
        manual_separation(view(fuel_stage1=25.0), {}, "M1", "spec", later)
