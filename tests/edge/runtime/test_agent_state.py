"""What an agent must not forget across a restart: its mission and the steps already taken."""

from __future__ import annotations

from pathlib import Path

from edge.rocket.behaviour import RocketBehaviour
from edge.runtime.agent import Agent
from edge.runtime.factory import open_agent
from marsy.mqtt import Delivery
from marsy.protocol import (
    CommandAction,
    Device,
    DeviceCommand,
    EventType,
    FlightPhase,
    MissionState,
    MissionStatus,
    encode_message,
)
from marsy.protocol.commanding import STANDBY
from marsy.protocol.framing import EventFrame
from marsy.settings import EdgeSettings


def agent(tmp_path: Path) -> Agent:
    settings = EdgeSettings.load(device="rocket", serial_url="loop://", state_dir=tmp_path)
    return open_agent(settings, RocketBehaviour())


def test_a_restarted_agent_keeps_its_mission_and_the_steps_taken(tmp_path: Path) -> None:
    first = agent(tmp_path)
    assert first.mission_id == STANDBY
    status = MissionStatus(
        mission_id="M1",
        source="command",
        seq=1,
        ts=1.0,
        state=MissionState.FLYING,
        phase=FlightPhase.ASCENT,
    )
    first.inbox.handle(
        Delivery("marsy/mission/status", encode_message(status), 1, True, False, 1, 0)
    )
    first.reader.handle([EventFrame(Device.ROCKET, 9, 2.0, EventType.STAGE_SEPARATION, "")])
    first.outbox.close()

    second = agent(tmp_path)
    assert second.mission_id == "M1"
    assert EventType.STAGE_SEPARATION in second.state.events
    separate = DeviceCommand(
        mission_id="M1",
        source="staging",
        seq=1,
        ts=2.0,
        command_id="staging-separate-M1",
        device=Device.ROCKET,
        action=CommandAction.SEPARATE,
    )
    assert second.behaviour.refuse(separate, second.state) == "the stages are already separated"
    second.outbox.close()
