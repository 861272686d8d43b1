"""A message's source is the topic it came on: a body that claims another sender is refused."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings

from marsy.protocol import (
    Channel,
    CommandAck,
    CommandAction,
    ContractError,
    Device,
    DeviceTelemetry,
    EventType,
    FlightPhase,
    MissionEvent,
    MissionState,
    MissionStatus,
    Topics,
    check_origin,
    decode_delivery,
    encode_message,
)
from tests.protocol.strategies import messages

TOPICS = Topics("marsy")
ENVELOPE = {"mission_id": "m1", "seq": 1, "ts": 1.0}


@settings(max_examples=200)
@given(messages)
def test_no_message_is_accepted_on_a_topic_naming_another_publisher(message: Any) -> None:
    channel, name = TOPICS.parse(TOPICS.for_message(message))
    elsewhere = TOPICS.topic(channel, "x" + name[:63])
    if channel is Channel.MISSION:
        elsewhere = TOPICS.topic(Channel.EVENTS, "command")
    with pytest.raises(ContractError):
        decode_delivery(TOPICS, elsewhere, encode_message(message))


def test_a_rocket_sample_on_the_rocket_topic_is_accepted() -> None:
    sample = DeviceTelemetry(
        source="rocket",
        device=Device.ROCKET,
        phase=FlightPhase.ASCENT,
        values={"altitude": 1000.0},
        **ENVELOPE,
    )
    decoded = decode_delivery(TOPICS, "marsy/telemetry/rocket", encode_message(sample))
    assert decoded == sample


def test_an_abort_claimed_by_the_satellite_for_the_rocket_is_refused() -> None:
    forged = MissionEvent(source="rocket", event=EventType.ABORT, **ENVELOPE)
    with pytest.raises(ContractError) as refused:
        decode_delivery(TOPICS, "marsy/events/satellite", encode_message(forged))
    assert refused.value.field == "source"
    assert "marsy/events/rocket" in refused.value.reason


def test_a_device_cannot_report_an_event_for_another() -> None:
    forged = MissionEvent(
        source="satellite", device=Device.ROCKET, event=EventType.ABORT, **ENVELOPE
    )
    with pytest.raises(ContractError, match="satellite cannot report for the rocket"):
        check_origin(TOPICS, "marsy/events/satellite", forged)


def test_an_ack_counts_only_from_the_device_it_names() -> None:
    ack = CommandAck(
        source="satellite",
        device=Device.ROCKET,
        command_id="payload-detach-abc123",
        action=CommandAction.DETACH,
        accepted=False,
        reason="forged",
        **ENVELOPE,
    )
    # on the rocket's ack topic (which only the rocket may write) it still names another sender
    with pytest.raises(ContractError, match="satellite cannot report for the rocket"):
        check_origin(TOPICS, "marsy/ack/rocket", ack)
    with pytest.raises(ContractError, match="belongs on"):
        check_origin(TOPICS, "marsy/ack/satellite", ack)


def test_only_command_moves_the_mission_status() -> None:
    status = MissionStatus(
        source="payload", state=MissionState.COMPLETE, phase=FlightPhase.ORBIT, **ENVELOPE
    )
    with pytest.raises(ContractError, match="only command"):
        check_origin(TOPICS, TOPICS.mission_status, status)


def test_a_topic_of_another_root_is_refused() -> None:
    event = MissionEvent(source="rocket", event=EventType.LIFTOFF, **ENVELOPE)
    with pytest.raises(ContractError, match="belongs on"):
        check_origin(TOPICS, "other/events/rocket", event)
