"""The report's delivery ledger: sent / stored / missing per device, from the stored numbers."""

from __future__ import annotations

from pathlib import Path

from edge.rocket.behaviour import RocketBehaviour
from edge.runtime.factory import open_agent
from ground.command.store import Mission
from ground.report.build import LedgerRow, ledger
from ground.report.data import MissionData, Series
from marsy.mqtt import Delivery
from marsy.protocol import (
    Device,
    DeviceTelemetry,
    FlightPhase,
    MissionState,
    MissionStatus,
    decode_message,
    encode_message,
)
from marsy.protocol.framing import TelemetryFrame
from marsy.settings import EdgeSettings


def mission_data(stored: dict[Device, list[int]]) -> MissionData:
    mission = Mission("M1", "nominal", MissionState.COMPLETE, FlightPhase.ORBIT, 0.0, 60.0, "")
    devices = {
        device: Series(t=[float(s) for s in seqs], columns={"seq": list(seqs)})
        for device, seqs in stored.items()
    }
    return MissionData(mission, 0.0, devices, [], [])


def rocket_flight(tmp_path: Path) -> list[int]:
    """What a rocket agent numbers for mission M1, after samples taken on standby."""
    settings = EdgeSettings.load(device="rocket", serial_url="loop://", state_dir=tmp_path)
    rocket = open_agent(settings, RocketBehaviour())

    def sample(i: int) -> TelemetryFrame:
        return TelemetryFrame(Device.ROCKET, i, 100.0 + i, FlightPhase.PAD, {"altitude": 1.0})

    rocket.reader.handle([sample(i) for i in range(33)])  # on the pad, before the mission
    status = MissionStatus(
        mission_id="M1",
        source="command",
        seq=1,
        ts=1.0,
        state=MissionState.FLYING,
        phase=FlightPhase.ASCENT,
    )
    topic = rocket.topics.mission_status
    rocket.inbox.handle(Delivery(topic, encode_message(status), 1, True, False, 1, 0))
    for i in range(42):
        rocket.reader.handle([sample(33 + i)])
    seqs = []
    for item in rocket.outbox.peek(1000):
        message = decode_message(item.payload)
        if isinstance(message, DeviceTelemetry) and message.mission_id == "M1":
            seqs.append(message.seq)
    rocket.outbox.close()
    return seqs


def test_a_clean_mission_after_standby_samples_shows_nothing_missing(tmp_path: Path) -> None:
    stored = rocket_flight(tmp_path)
    assert ledger(mission_data({Device.ROCKET: stored})) == [LedgerRow(Device.ROCKET, 42, 42, 0)]


def test_lost_samples_are_missing_and_a_silent_device_has_no_row() -> None:
    rows = ledger(mission_data({Device.ROCKET: [0, 1, 2, 5, 6], Device.BOOSTER: []}))
    assert rows == [LedgerRow(Device.ROCKET, 7, 5, 2)]
