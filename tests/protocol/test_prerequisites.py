"""Mission steps believed only in order: the table refuses a release before the stages are apart
or a landing before the ejection, never a step of a real flight, nor an emergency."""

from __future__ import annotations

import pytest

from firmware_sim.physics import AutopilotConfig, Fault
from firmware_sim.physics.faults import FaultKind
from firmware_sim.trajectory import fly
from marsy.protocol import (
    EVENT_PREREQUISITES,
    EVENT_REPORTERS,
    EventType,
    believable,
    prerequisites_of,
    unmet,
)

E = EventType


def test_a_release_before_the_stages_are_apart_is_not_believable() -> None:
    assert unmet(E.PAYLOAD_DETACHED, {E.LIFTOFF, E.MAX_Q}) == (E.STAGE_SEPARATION, E.SECO)
    assert unmet(E.PAYLOAD_DETACHED, {E.LIFTOFF, E.STAGE_SEPARATION}) == (E.SECO,)
    assert believable(E.PAYLOAD_DETACHED, {E.STAGE_SEPARATION, E.SECO})
    assert not believable(E.PAYLOAD_DETACHED, set())


@pytest.mark.parametrize(
    "event",
    [
        E.BOOSTBACK_BURN,
        E.ENTRY_BURN,
        E.LANDING_BURN,
        E.BOOSTER_LANDED,
        E.BOOSTER_LOST,
        E.SECO,
    ],
)
def test_the_booster_and_the_upper_stage_come_after_the_separation(event: EventType) -> None:
    assert not believable(event, {E.LIFTOFF, E.MECO})
    assert believable(event, {E.LIFTOFF, E.MECO, E.STAGE_SEPARATION})


@pytest.mark.parametrize("event", [E.DROGUE_DEPLOYED, E.MAIN_DEPLOYED, E.CAPSULE_LANDED])
def test_the_capsules_descent_comes_after_the_ejection(event: EventType) -> None:
    assert unmet(event, {E.LIFTOFF, E.ABORT}) == (E.EJECTION,)
    assert believable(event, {E.EJECTION})


@pytest.mark.parametrize(
    "event",
    [
        E.LIFTOFF,
        E.STAGE_SEPARATION,
        E.ENGINE_FAILURE,
        E.EXPLOSION_IMMINENT,
        E.ABORT,
        E.EJECTION,
        E.SELF_DESTRUCT,
        E.EXPLOSION,
        E.MISSION_COMPLETE,
    ],
)
def test_the_first_stage_the_emergencies_and_the_grounds_events_need_nothing(
    event: EventType,
) -> None:
    assert believable(event, set())


def test_the_table_orders_vehicle_events_only_and_has_no_cycle() -> None:
    for event, needed in EVENT_PREREQUISITES.items():
        assert event in EVENT_REPORTERS and needed <= set(EVENT_REPORTERS), event
        assert event not in prerequisites_of([event]), f"{event} needs itself"


def test_a_watcher_of_the_release_also_follows_the_separation_and_the_cut_off() -> None:
    assert prerequisites_of([E.PAYLOAD_DETACHED]) == {E.STAGE_SEPARATION, E.SECO}
    assert prerequisites_of([E.ORBIT]) == {E.SECO, E.STAGE_SEPARATION}
    assert prerequisites_of([E.STAGE_SEPARATION, E.LIFTOFF]) == frozenset()


@pytest.mark.parametrize(
    ("autopilot", "faults"),
    [
        (AutopilotConfig(), ()),
        (AutopilotConfig(eject_at=60.0), ()),
        (AutopilotConfig(), (Fault(FaultKind.EXPLOSION, 30.0, warning=3.0),)),
        (AutopilotConfig(), (Fault(FaultKind.ENGINE_FAILURE, 200.0),)),
    ],
    ids=["nominal", "abort drill", "explosion", "upper-stage engine failure"],
)
def test_every_event_of_a_flown_flight_is_believable_when_it_comes(
    autopilot: AutopilotConfig, faults: tuple[Fault, ...]
) -> None:
    """The boards' own order, flown headless: the table never refuses a real step."""
    events = [e.event for e in fly("marsy", autopilot=autopilot, faults=faults).events]
    assert len(events) >= 4, events
    believed: set[EventType] = set()
    for event in events:
        assert believable(event, believed), f"{event} after {events}"
        believed.add(event)
