"""One check the broker tests share: the rocket's own telemetry goes through, its attempt to
publish as the suit is refused."""

from __future__ import annotations

import pytest

from marsy.mqtt import MqttBus, PublishRejected
from marsy.protocol import Channel, Device, DeviceTelemetry, FlightPhase, decode_message
from tests.waiting import wait_for


def assert_rocket_confined(rocket: MqttBus, receiver: MqttBus, mission_id: str) -> None:
    """``receiver`` must already be subscribed to the telemetry channel."""
    sample = DeviceTelemetry(
        mission_id=mission_id,
        source="rocket",
        seq=1,
        ts=1_800_000_000.0,
        device=Device.ROCKET,
        phase=FlightPhase.PAD,
        values={"altitude": 3.0},
    )
    rocket.publish_message(sample).wait()
    delivery = wait_for(lambda: receiver.receive(0.5), 5, "the rocket's telemetry")
    assert delivery is not None  # for the type checker: wait_for fails rather than return None
    assert decode_message(delivery.payload) == sample
    with pytest.raises(PublishRejected):
        rocket.publish(rocket.topics.topic(Channel.VITALS, Device.SUIT), b"{}").wait()
