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


def test_what_the_flight_has_been_survives_a_restart(tmp_path: Path) -> None:
    first = agent(tmp_path)
    first.memory.join("M1")
    first.reader.handle([EventFrame(Device.ROCKET, 1, 100.0, EventType.LIFTOFF, "")])
    first.port.remember_time(EventType.MAX_Q, 157.0)
    first.port.remember_event(EventType.ABORT, 170.0)
    first.state.phase = FlightPhase.ABORT
    first.state.peaks["g_load"] = 3.8
    first.state.latest["g_load"] = 1.0
    first.memory.sampled()  # a change of phase is saved at once
    first.outbox.close()

    second = agent(tmp_path)
    assert second.mission_id == "M1"
    assert second.state.phase is FlightPhase.ABORT
    assert second.state.events == {EventType.LIFTOFF, EventType.ABORT}
    assert second.state.event_times == {
        EventType.LIFTOFF: 100.0,
        EventType.MAX_Q: 157.0,
        EventType.ABORT: 170.0,
    }
    assert (second.state.peaks, second.state.latest) == ({"g_load": 3.8}, {"g_load": 1.0})
    second.memory.join("M2")
    second.outbox.close()
    third = agent(tmp_path)
    assert (third.mission_id, third.state.events, third.state.event_times) == ("M2", set(), {})
    third.outbox.close()
