"""The flight rules: what Command does for what it saw, and that nothing but the vehicle's own
evidence ever destroys anything."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ground.command.flight_rules import (
    FLIGHT_RULES,
    ROUTINE,
    Corroborated,
    FlightAction,
    Seen,
    Sighting,
    VehicleEvent,
    decide,
    rule_for_alert,
    rule_for_event,
)
from marsy.protocol import Alert, AlertRule, Device, EventType, Severity

T0 = 1_800_000_000.0
_seq = itertools.count(1)
README = Path(__file__).resolve().parents[3] / "README.md"


def alert(
    rule: AlertRule,
    device: Device = Device.ROCKET,
    severity: Severity = Severity.RED,
    parameter: str | None = None,
    at: float = 0.0,
    *,
    cleared: bool = False,
    source: str = "calculator",
) -> Alert:
    return Alert(
        mission_id="M1",
        source=source,
        seq=next(_seq),
        ts=T0 + at,
        device=device,
        rule=rule,
        severity=severity,
        cleared=cleared,
        parameter=parameter,
        message=f"{device} {parameter or rule} for the test",
    )


def seen(*items: Alert | Sighting) -> Seen:
    out = Seen()
    for item in items:
        out = out.with_alert(item) if isinstance(item, Alert) else out.with_event(item)
    return out


def said(event: EventType, by: Device, at: float = 0.0) -> Sighting:
    return Sighting(event, by, T0 + at, f"{event} for the test")


def verdict(*items: Alert | Sighting) -> tuple[FlightAction, str]:
    decision = decide(FLIGHT_RULES, seen(*items))
    return decision.action, decision.rule.id


# --- the vehicle's own events -----------------------------------------------------------------


@pytest.mark.parametrize(
    "event",
    [
        EventType.ABORT,
        EventType.EXPLOSION_IMMINENT,
        EventType.ENGINE_FAILURE,
        EventType.EXPLOSION,
    ],
)
def test_the_rockets_own_critical_event_terminates_the_flight(event: EventType) -> None:
    assert verdict(said(event, Device.ROCKET)) == (FlightAction.FLIGHT_TERMINATION, "FR-1")


@pytest.mark.parametrize("by", [Device.SATELLITE, Device.BOOSTER, Device.SUIT])
def test_a_critical_event_from_another_device_is_no_evidence(by: Device) -> None:
    assert verdict(said(EventType.ABORT, by), said(EventType.EXPLOSION, by)) == (
        FlightAction.NOTE,
        "FR-0",
    )


def test_the_suits_ejection_is_a_crew_abort_without_destruct() -> None:
    assert verdict(said(EventType.EJECTION, Device.SUIT)) == (FlightAction.CREW_ABORT, "FR-3")
    assert verdict(said(EventType.EJECTION, Device.ROCKET)) == (FlightAction.NOTE, "FR-0")


def test_an_event_before_the_steps_it_follows_is_not_seen() -> None:
    early = seen(
        said(EventType.LIFTOFF, Device.ROCKET), said(EventType.PAYLOAD_DETACHED, Device.SATELLITE)
    )
    assert set(early.events) == {EventType.LIFTOFF}
    in_order = seen(
        said(EventType.STAGE_SEPARATION, Device.ROCKET),
        said(EventType.CAPSULE_LANDED, Device.SUIT),
        said(EventType.SECO, Device.ROCKET),
        said(EventType.PAYLOAD_DETACHED, Device.SATELLITE, at=2.0),
    )
    assert set(in_order.events) == {
        EventType.STAGE_SEPARATION,
        EventType.SECO,
        EventType.PAYLOAD_DETACHED,
    }, "the capsule landed before any ejection: not seen"
    assert in_order.events[EventType.PAYLOAD_DETACHED].ts == T0 + 2.0


def test_milestones_call_for_nothing() -> None:
    assert verdict(
        said(EventType.LIFTOFF, Device.ROCKET),
        said(EventType.PAYLOAD_DETACHED, Device.SATELLITE),
        said(EventType.BOOSTER_LOST, Device.BOOSTER),
    ) == (FlightAction.NOTE, "FR-0")


# --- alerts -----------------------------------------------------------------------------------


def test_loss_of_signal_of_the_rocket_holds_and_its_clearing_lifts_the_hold() -> None:
    lost = alert(AlertRule.LOSS_OF_SIGNAL)
    assert verdict(lost) == (FlightAction.HOLD, "FR-4")
    back = alert(AlertRule.LOSS_OF_SIGNAL, cleared=True, at=3.0)
    assert verdict(lost, back) == (FlightAction.NOTE, "FR-0")


def test_a_ground_fault_is_a_note_at_any_severity() -> None:
    for severity in (Severity.YELLOW, Severity.RED):
        for part in ("store", "ingest", "broker"):
            assert verdict(alert(AlertRule.GROUND, severity=severity, parameter=part)) == (
                FlightAction.NOTE,
                "FR-7",
            )


@pytest.mark.parametrize(
    ("rule", "parameter"),
    [
        (AlertRule.VITALS, "heart_rate"),
        (AlertRule.RATE, "suit_pressure"),
        (AlertRule.LOSS_OF_SIGNAL, None),
    ],
)
def test_the_crews_red_is_the_flight_surgeons_hold(rule: AlertRule, parameter: str | None) -> None:
    assert verdict(alert(rule, Device.SUIT, parameter=parameter)) == (FlightAction.HOLD, "FR-5")


def test_one_red_rocket_limit_holds_and_two_independent_ones_terminate() -> None:
    pressure = alert(AlertRule.LIMIT, parameter="chamber_pressure", at=0.0)
    assert verdict(pressure) == (FlightAction.HOLD, "FR-6")
    temperature = alert(AlertRule.LIMIT, parameter="engine_temperature", at=4.0)
    assert verdict(pressure, temperature) == (FlightAction.FLIGHT_TERMINATION, "FR-2")
    falling = alert(AlertRule.RATE, parameter="altitude", at=9.0)
    assert verdict(pressure, falling) == (FlightAction.FLIGHT_TERMINATION, "FR-2")


def test_two_reds_are_not_independent_on_one_parameter_far_apart_or_once_cleared() -> None:
    limit = alert(AlertRule.LIMIT, parameter="altitude", at=0.0)
    rate = alert(AlertRule.RATE, parameter="altitude", at=1.0)
    assert verdict(limit, rate) == (FlightAction.HOLD, "FR-6"), "one parameter, two checks"
    later = alert(AlertRule.LIMIT, parameter="fuel_stage1", at=30.0)
    assert verdict(limit, later) == (FlightAction.HOLD, "FR-6"), "30 s apart"
    other = alert(AlertRule.LIMIT, parameter="fuel_stage1", at=2.0)
    cleared = alert(AlertRule.LIMIT, parameter="altitude", at=3.0, cleared=True)
    assert verdict(limit, other, cleared) == (FlightAction.HOLD, "FR-6"), "one cleared"
    eased = alert(AlertRule.LIMIT, severity=Severity.YELLOW, parameter="altitude", at=3.0)
    assert verdict(limit, other, eased) == (FlightAction.HOLD, "FR-6"), "one back to yellow"


def test_only_the_calculators_alerts_are_flight_evidence() -> None:
    forged = [
        alert(AlertRule.LIMIT, parameter=name, source="staging", at=0.0)
        for name in ("altitude", "fuel_stage1")
    ]
    assert verdict(*forged) == (FlightAction.NOTE, "FR-0")


def test_a_booster_or_satellite_red_is_a_note() -> None:
    assert verdict(
        alert(AlertRule.LIMIT, Device.BOOSTER, parameter="altitude"),
        alert(AlertRule.LIMIT, Device.BOOSTER, parameter="velocity"),
        alert(AlertRule.LOSS_OF_SIGNAL, Device.SATELLITE),
    ) == (FlightAction.NOTE, "FR-0")


def test_the_strongest_action_wins_and_its_rule_is_named() -> None:
    decision = decide(
        FLIGHT_RULES,
        seen(alert(AlertRule.LOSS_OF_SIGNAL), said(EventType.ABORT, Device.ROCKET)),
    )
    assert (decision.action, decision.rule.id) == (FlightAction.FLIGHT_TERMINATION, "FR-1")
    assert "the rocket reports abort" in decision.reason
    assert decision.text.startswith("FR-1 the rocket's own critical event: ")


_NOT_EVIDENCE = st.builds(
    alert,
    rule=st.sampled_from([AlertRule.GROUND, AlertRule.LOSS_OF_SIGNAL, AlertRule.VITALS]),
    device=st.sampled_from(list(Device)),
    severity=st.sampled_from([Severity.YELLOW, Severity.RED]),
    parameter=st.sampled_from([None, "store", "broker", "heart_rate", "altitude"]),
    at=st.floats(0.0, 60.0),
    cleared=st.booleans(),
)


@settings(max_examples=300)
@given(st.lists(_NOT_EVIDENCE, max_size=12))
def test_silence_loss_of_signal_and_ground_faults_never_destroy_anything(
    alerts: list[Alert],
) -> None:
    assert not decide(FLIGHT_RULES, seen(*alerts)).action.destructive


# --- the table itself -------------------------------------------------------------------------


def test_every_destructive_rule_rests_on_the_vehicles_own_evidence() -> None:
    ids = [rule.id for rule in FLIGHT_RULES]
    assert len(set(ids)) == len(ids) and ROUTINE.id not in ids
    for rule in FLIGHT_RULES:
        if rule.action.destructive:
            trigger = rule.trigger
            assert isinstance(trigger, VehicleEvent | Corroborated), rule.id
            if isinstance(trigger, Corroborated):
                assert trigger.count >= 2 and trigger.alert.rules <= {
                    AlertRule.LIMIT,
                    AlertRule.RATE,
                }


def test_one_message_is_covered_by_its_own_rule() -> None:
    assert rule_for_alert(FLIGHT_RULES, alert(AlertRule.GROUND)).id == "FR-7"
    assert rule_for_alert(FLIGHT_RULES, alert(AlertRule.LOSS_OF_SIGNAL, cleared=True)) is ROUTINE
    rocket_abort = said(EventType.ABORT, Device.ROCKET)
    assert rule_for_event(FLIGHT_RULES, rocket_abort).id == "FR-1"
    assert rule_for_event(FLIGHT_RULES, said(EventType.ABORT, Device.SATELLITE)) is ROUTINE


def test_the_readme_states_every_rule_with_its_action() -> None:
    text = README.read_text()
    section = text[text.index("## Flight rules") :]
    section = section[: section.index("\n## ", 3)]
    for rule in (*FLIGHT_RULES, ROUTINE):
        row = re.search(rf"^\| {re.escape(rule.id)} \|.*$", section, re.MULTILINE)
        assert row is not None, f"{rule.id} is not in the README's table"
        assert f"**{rule.action.name.replace('_', ' ').lower()}**" in row.group(0), rule.id
