"""Which device may report which event: the table matches what the boards and agents emit, and
no ground service or other vehicle is ever an event's owner."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from marsy.protocol import EVENT_REPORTERS, Device, EventType, Service, is_vehicle, may_report

ROOT = Path(__file__).resolve().parents[2]
EMITTED = re.compile(r"EventType\.(\w+),\s*Device\.(\w+)")
"""How the firmware world emits an event: ``emit(EventType.X, Device.Y, detail)``."""


def firmware_emitters() -> set[tuple[EventType, Device]]:
    found = set()
    for path in (ROOT / "firmware_sim").rglob("*.py"):
        for event, device in EMITTED.findall(path.read_text()):
            found.add((EventType[event], Device[device]))
    return found


def test_every_event_a_board_emits_is_owned_by_the_board_that_emits_it() -> None:
    emitted = firmware_emitters()
    assert len(emitted) >= 15, "the firmware's emit calls were not found"
    for event, device in emitted:
        assert EVENT_REPORTERS.get(event) == frozenset({device}), (event, device)


def test_the_rockets_own_abort_and_nothing_else_is_added_by_an_agent() -> None:
    from_boards = {event for event, _ in firmware_emitters()}
    assert set(EVENT_REPORTERS) - from_boards == {EventType.ABORT}
    assert EVENT_REPORTERS[EventType.ABORT] == frozenset({Device.ROCKET})


@pytest.mark.parametrize(
    ("source", "event", "owned"),
    [
        ("rocket", EventType.ABORT, True),
        ("satellite", EventType.ABORT, False),
        ("satellite", EventType.PAYLOAD_DETACHED, True),
        ("satellite", EventType.BOOSTER_LOST, False),
        ("booster", EventType.BOOSTER_LOST, True),
        ("suit", EventType.EJECTION, True),
        ("rocket", EventType.EJECTION, False),
        ("staging", EventType.STAGE_SEPARATION, False),
        ("payload", EventType.PAYLOAD_DETACHED, False),
        ("command", EventType.MISSION_STARTED, False),
        ("rocket", EventType.MISSION_COMPLETE, False),
        ("nobody", EventType.LIFTOFF, False),
    ],
)
def test_an_event_is_its_owners_word_only(source: str, event: EventType, owned: bool) -> None:
    assert may_report(source, event) is owned


def test_ground_events_have_no_vehicle_owner_and_services_are_not_vehicles() -> None:
    for event in (EventType.MISSION_STARTED, EventType.GO_NO_GO, EventType.MISSION_COMPLETE):
        assert event not in EVENT_REPORTERS
    assert not any(is_vehicle(str(service)) for service in Service)
    assert all(is_vehicle(str(device)) for device in Device)
