"""Each mission's streams are numbered from 0, across restarts, apart from the standby samples."""

from __future__ import annotations

from pathlib import Path

from edge.rocket.behaviour import RocketBehaviour
from edge.runtime.agent import Agent
from edge.runtime.factory import open_agent
from marsy.mqtt import Delivery
from marsy.protocol import (
    Device,
    DeviceTelemetry,
    EventType,
    FlightPhase,
    MissionEvent,
    MissionState,
    MissionStatus,
    decode_message,
    encode_message,
)
from marsy.protocol.commanding import STANDBY
from marsy.protocol.framing import EventFrame, TelemetryFrame
from marsy.settings import EdgeSettings


def agent(tmp_path: Path) -> Agent:
    settings = EdgeSettings.load(device="rocket", serial_url="loop://", state_dir=tmp_path)
    return open_agent(settings, RocketBehaviour())


def samples(count: int, t0: float) -> list[TelemetryFrame]:
    return [
        TelemetryFrame(Device.ROCKET, i, t0 + i / 10, FlightPhase.PAD, {"altitude": 1.0})
        for i in range(count)
    ]


def announce(rocket: Agent, mission_id: str) -> None:
    status = MissionStatus(
        mission_id=mission_id,
        source="command",
        seq=1,
        ts=1.0,
        state=MissionState.FLYING,
        phase=FlightPhase.ASCENT,
    )
    topic = rocket.topics.mission_status
    rocket.inbox.handle(Delivery(topic, encode_message(status), 1, True, False, 1, 0))


def queued(rocket: Agent) -> list[tuple[str, str, int]]:
    """(kind, mission, seq) of what the agent queued, in order."""
    result: list[tuple[str, str, int]] = []
    for item in rocket.outbox.peek(1000):
        message = decode_message(item.payload)
        assert isinstance(message, DeviceTelemetry | MissionEvent)
        result.append((message.kind, message.mission_id, message.seq))
    return result


def test_a_mission_is_numbered_from_zero_after_standby_and_across_a_restart(
    tmp_path: Path,
) -> None:
    first = agent(tmp_path)
    assert first.mission_id == STANDBY
    first.reader.handle(samples(3, 10.0))
    announce(first, "M1")
    first.reader.handle(samples(2, 20.0))
    first.reader.handle([EventFrame(Device.ROCKET, 7, 20.5, EventType.LIFTOFF, "")])
    first.outbox.close()

    second = agent(tmp_path)  # killed and restarted mid-mission
    second.reader.handle(samples(2, 30.0))
    announce(second, "M2")
    second.reader.handle(samples(1, 40.0))
    assert queued(second) == [
        ("telemetry", STANDBY, 0),
        ("telemetry", STANDBY, 1),
        ("telemetry", STANDBY, 2),
        ("telemetry", "M1", 0),
        ("telemetry", "M1", 1),
        ("event", "M1", 0),
        ("telemetry", "M1", 2),
        ("telemetry", "M1", 3),
        ("telemetry", "M2", 0),
    ]
    second.outbox.close()
