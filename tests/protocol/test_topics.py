"""Topic names: one per message, parseable, with the publisher's identity last."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from marsy.protocol import (
    Channel,
    CommandAction,
    Device,
    DeviceCommand,
    FlightPhase,
    MissionState,
    MissionStatus,
    Topics,
)
from tests.protocol.strategies import messages


def test_commands_go_to_the_device_and_status_is_retained() -> None:
    topics = Topics("marsy")
    command = DeviceCommand(
        mission_id="m1",
        source="staging",
        seq=1,
        ts=1.0,
        command_id="cmd-00001",
        device=Device.ROCKET,
        action=CommandAction.SEPARATE,
    )
    status = MissionStatus(
        mission_id="m1",
        source="command",
        seq=1,
        ts=1.0,
        state=MissionState.FLYING,
        phase=FlightPhase.ASCENT,
    )
    assert topics.for_message(command) == "marsy/command/rocket"
    assert not topics.is_retained(command)
    assert topics.for_message(status) == "marsy/mission/status"
    assert topics.is_retained(status)


@settings(max_examples=200)
@given(messages)
def test_every_message_has_a_topic_under_the_root(message: object) -> None:
    topics = Topics("run42")
    topic = topics.for_message(message)  # type: ignore[arg-type]
    channel, name = topics.parse(topic)
    assert isinstance(channel, Channel)
    assert topic == topics.topic(channel, name) or topic == topics.mission_status


@pytest.mark.parametrize("root", ["", "a/#", "a/+", "sp ace", "x" * 65])
def test_bad_roots_are_refused(root: str) -> None:
    with pytest.raises(ValueError, match="topic root"):
        Topics(root)


@pytest.mark.parametrize("topic", ["other/telemetry/rocket", "marsy/telemetry", "marsy/nope/x"])
def test_parse_refuses_foreign_topics(topic: str) -> None:
    with pytest.raises(ValueError):
        Topics("marsy").parse(topic)
