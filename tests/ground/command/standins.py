"""Stand-in vehicles on a real broker for Command's tests: each is its device's own login, says
what the test makes it say on its own topics, and answers the commands sent to it (the rocket
is on the pad until it lifts off; a command id is answered once and that answer repeated, as
the agent's journal does; asked for its status, the rocket first sends a reading from the pad,
as its board streams them)."""

from __future__ import annotations

import threading
import time

from marsy.mqtt import MqttBus
from marsy.protocol import (
    Alert,
    AlertRule,
    CommandAck,
    CommandAction,
    Device,
    DeviceCommand,
    DeviceTelemetry,
    EventType,
    FlightPhase,
    MissionEvent,
    Severity,
    decode_message,
)
from marsy.protocol.parameters import values_for

PAD_READING = values_for(Device.ROCKET, cabin_pressure=101_300.0, fuel_stage1=100.0)


class StandIn:
    """``device`` as its own login: events on its topic, answers to its commands."""

    def __init__(self, bus: MqttBus, device: Device) -> None:
        self.bus = bus
        self.device = device
        self.commands: list[DeviceCommand] = []
        self.answering = threading.Event()
        self.answering.set()
        self._answers: dict[str, CommandAck] = {}
        self._seq = 0
        self._stop = threading.Event()
        bus.subscribe(bus.topics.command(device))
        bus.start()
        self._thread = threading.Thread(target=self._obey, daemon=True)
        self._thread.start()

    def ids(self, action: CommandAction) -> list[str]:
        """Command ids received for ``action``, repeats included, in arrival order."""
        return [c.command_id for c in list(self.commands) if c.action is action]

    def say(self, mission_id: str, event: EventType, detail: str = "") -> None:
        """Publish ``event`` as this device, on its own events topic."""
        self.bus.publish_message(
            MissionEvent(
                mission_id=mission_id,
                source=str(self.device),
                seq=self._next(),
                ts=time.time(),
                event=event,
                device=self.device,
                detail=detail or f"{event} from the stand-in {self.device}",
            )
        ).wait(5)

    def reading(self, mission_id: str, **values: float) -> None:
        """A telemetry sample from the pad: :data:`PAD_READING` with ``values`` over it."""
        self.bus.publish_message(
            DeviceTelemetry(
                mission_id=mission_id,
                source=str(self.device),
                seq=self._next(),
                ts=time.time(),
                device=self.device,
                phase=FlightPhase.PAD,
                values={**PAD_READING, **values_for(self.device, **values)},
            ),
            qos=0,
        )

    def _next(self) -> int:
        self._seq += 1
        return self._seq

    def _answer(self, command: DeviceCommand) -> CommandAck:
        reason = "phase pad" if command.action is CommandAction.STATUS else f"{command.action} done"
        return CommandAck(
            mission_id=command.mission_id,
            source=str(self.device),
            seq=self._next(),
            ts=time.time(),
            command_id=command.command_id,
            device=self.device,
            action=command.action,
            accepted=True,
            reason=reason,
        )

    def _obey(self) -> None:
        while not self._stop.is_set():
            delivery = self.bus.receive(0.05)
            if delivery is None:
                continue
            command = decode_message(delivery.payload)
            assert isinstance(command, DeviceCommand)
            self.commands.append(command)
            if command.action is CommandAction.STATUS and self.device is Device.ROCKET:
                self.reading(command.mission_id)
            if self.answering.is_set():
                answer = self._answers.setdefault(command.command_id, self._answer(command))
                self.bus.publish_message(answer).wait(5)
            self.bus.ack(delivery)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)


class StandInCalculator:
    """The calculator's login, raising and clearing alerts as the test says."""

    def __init__(self, bus: MqttBus) -> None:
        self.bus = bus
        self._seq = 0
        bus.start()

    def alert(
        self,
        mission_id: str,
        rule: AlertRule,
        device: Device = Device.ROCKET,
        parameter: str | None = None,
        *,
        severity: Severity = Severity.RED,
        cleared: bool = False,
        message: str = "",
    ) -> None:
        self._seq += 1
        self.bus.publish_message(
            Alert(
                mission_id=mission_id,
                source="calculator",
                seq=self._seq,
                ts=time.time(),
                device=device,
                rule=rule,
                severity=severity,
                cleared=cleared,
                parameter=parameter,
                message=message or f"{device} {parameter or rule} for the test",
            )
        ).wait(5)
