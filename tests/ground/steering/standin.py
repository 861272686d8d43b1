"""A stand-in rocket on a real broker, for the service-process tests: it streams the telemetry
the test sets, records every command it receives and, while ``answering`` is set, acknowledges
each command id once and repeats that answer for a repeated id (as the agent's journal does)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from marsy.mqtt import MqttBus
from marsy.protocol import (
    CommandAck,
    CommandAction,
    Device,
    DeviceCommand,
    DeviceTelemetry,
    FlightPhase,
    MissionState,
    MissionStatus,
    decode_message,
)


@dataclass
class Reading:
    phase: FlightPhase = FlightPhase.PAD
    values: dict[str, float] = field(default_factory=lambda: {"fuel_stage1": 100.0})


class StandInRocket:
    def __init__(self, bus: MqttBus, mission_id: str, rate: float = 20.0) -> None:
        self.bus = bus
        self.mission_id = mission_id
        self.rate = rate
        self.reading = Reading()
        self.answering = threading.Event()
        self.commands: list[DeviceCommand] = []
        self.answers: dict[str, CommandAck] = {}
        self._seq = 0
        self._stop = threading.Event()
        bus.subscribe(bus.topics.command(Device.ROCKET))
        bus.start()
        self._threads = [
            threading.Thread(target=self._stream, daemon=True),
            threading.Thread(target=self._obey, daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def set(self, phase: FlightPhase, **values: float) -> None:
        self.reading = Reading(phase, values)

    def ids(self, action: CommandAction) -> list[str]:
        """The command ids received for ``action``, repeats included, in arrival order."""
        return [c.command_id for c in list(self.commands) if c.action is action]

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _stream(self) -> None:
        while not self._stop.wait(1.0 / self.rate):
            reading = self.reading
            sample = DeviceTelemetry(
                mission_id=self.mission_id,
                source="rocket",
                seq=self._next_seq(),
                ts=time.time(),
                device=Device.ROCKET,
                phase=reading.phase,
                values=reading.values,
            )
            self.bus.publish_message(sample)

    def _obey(self) -> None:
        while not self._stop.is_set():
            delivery = self.bus.receive(0.05)
            if delivery is None:
                continue
            command = decode_message(delivery.payload)
            assert isinstance(command, DeviceCommand)
            self.commands.append(command)
            if self.answering.is_set():
                answer = self.answers.setdefault(
                    command.command_id,
                    CommandAck(
                        mission_id=command.mission_id,
                        source="rocket",
                        seq=self._next_seq(),
                        ts=time.time(),
                        command_id=command.command_id,
                        device=Device.ROCKET,
                        action=command.action,
                        accepted=True,
                        reason=f"{command.action} done",
                    ),
                )
                self.bus.publish_message(answer).wait(5)
            self.bus.ack(delivery)

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(5)


def announce(bus: MqttBus, mission_id: str) -> None:
    """Publish the retained status of a flying mission, as Command does."""
    status = MissionStatus(
        mission_id=mission_id,
        source="command",
        seq=1,
        ts=time.time(),
        state=MissionState.FLYING,
        phase=FlightPhase.PAD,
    )
    bus.publish_message(status).wait(5)
