"""Fixtures for the webcaster: the service in-process on a real broker, a stand-in suit that
answers interview commands over a real MQTT connection, the vehicles' logins saying their
events in flight order, and a reader of the event stream."""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from devservers import LocalMosquitto
from ground.webcaster.service import Webcaster
from marsy.mqtt import MqttBus
from marsy.protocol import (
    CommandAck,
    Device,
    DeviceCommand,
    EventType,
    decode_message,
)
from marsy.settings import GroundSettings
from tests.ground.webcaster.messages import event
from tests.waiting import wait_for

MakeWebcaster = Callable[..., Webcaster]


@pytest.fixture
def make_webcaster(tmp_path: Path) -> Iterator[MakeWebcaster]:
    """``make_webcaster(broker, **options)``: a started webcaster with its state in the test's
    own folder (the same folder every time, as a restarted process would find it)."""
    running: list[Webcaster] = []
    logins: dict[int, str] = {}

    def make(
        broker: LocalMosquitto, clock: dict[str, float] | None = None, **options: Any
    ) -> Webcaster:
        # a login of this test's own, the same one each time, as a restarted process has
        login = logins.setdefault(id(broker), broker.add_login("webcaster"))
        settings = GroundSettings.load(
            mqtt=broker.settings_for(login), state_dir=tmp_path / "state", clock=clock or {}
        )
        webcaster = Webcaster(settings, **options)
        webcaster.start()
        webcaster.bus.wait_connected(10)
        running.append(webcaster)
        return webcaster

    yield make
    for webcaster in running:
        webcaster.stop()


class FakeSuit:
    """Answers INTERVIEW commands as the suit user would: over MQTT, one ack per command id,
    the same answer again for a repeated id (the real agent's journal does the same)."""

    def __init__(self, bus: MqttBus, *, answering: bool = True) -> None:
        self.bus = bus
        self.answering = threading.Event()
        if answering:
            self.answering.set()
        self.commands: list[DeviceCommand] = []
        self.answers: dict[str, str] = {}
        self._stop = threading.Event()
        bus.subscribe(bus.topics.command(Device.SUIT))
        bus.start()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        seq = 0
        while not self._stop.is_set():
            delivery = self.bus.receive(0.1)
            if delivery is None:
                continue
            command = decode_message(delivery.payload)
            assert isinstance(command, DeviceCommand)
            self.commands.append(command)
            if self.answering.is_set():
                answer = self.answers.setdefault(
                    command.command_id, f"Answer {len(self.answers) + 1} to: {command.text}"
                )
                seq += 1
                ack = CommandAck(
                    mission_id=command.mission_id,
                    source="suit",
                    seq=seq,
                    ts=time.time(),
                    command_id=command.command_id,
                    device=command.device,
                    action=command.action,
                    accepted=True,
                    reason=answer,
                )
                self.bus.publish_message(ack).wait()
            self.bus.ack(delivery)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)


@pytest.fixture
def fake_suit(
    broker: LocalMosquitto, bus_factory: Callable[..., MqttBus]
) -> Iterator[Callable[..., FakeSuit]]:
    suits: list[FakeSuit] = []

    def make(**options: Any) -> FakeSuit:
        suit = FakeSuit(bus_factory(broker, "suit"), **options)
        suits.append(suit)
        return suit

    yield make
    for suit in suits:
        suit.close()


class Vehicles:
    """Each vehicle's own login, saying its events in its own name on its own topic (each
    publish acknowledged by the broker before the next: the webcaster hears them in order)."""

    def __init__(self, broker: LocalMosquitto, bus_factory: Callable[..., MqttBus]) -> None:
        self.buses = {device: bus_factory(broker, str(device)) for device in Device}
        for bus in self.buses.values():
            bus.start()

    def say(
        self, device: Device, kind: EventType, mission: str = "m1", ts: float | None = None
    ) -> None:
        message = event(kind, mission, ts, source=str(device), device=device)
        self.buses[device].publish_message(message).wait()

    def release(self, mission: str = "m1", ts: float | None = None) -> None:
        """The payload's release as a flight says it: the stages apart, the upper stage's
        cut-off, then the satellite free."""
        self.say(Device.ROCKET, EventType.STAGE_SEPARATION, mission, ts)
        self.say(Device.ROCKET, EventType.SECO, mission, ts)
        self.say(Device.SATELLITE, EventType.PAYLOAD_DETACHED, mission, ts)

    def splash_down(self, mission: str = "m1") -> None:
        """The capsule's return after an abort: ejected, then landed."""
        self.say(Device.SUIT, EventType.EJECTION, mission)
        self.say(Device.SUIT, EventType.CAPSULE_LANDED, mission)


@pytest.fixture
def vehicles(broker: LocalMosquitto, bus_factory: Callable[..., MqttBus]) -> Vehicles:
    return Vehicles(broker, bus_factory)


@dataclass
class SseEvent:
    event: str
    data: dict[str, Any]


@dataclass
class EventStream:
    """Reads ``GET /stream`` on its own thread, as a browser would, keeping what it received."""

    url_port: int
    first_bytes: bytes = b""
    events: list[SseEvent] = field(default_factory=list)
    opened_at: float = 0.0
    first_byte_after: float | None = None

    def start(self) -> EventStream:
        self._conn = http.client.HTTPConnection("127.0.0.1", self.url_port, timeout=30)
        self.opened_at = time.monotonic()
        self._conn.request("GET", "/stream")
        self._socket = self._conn.sock
        self._response = self._conn.getresponse()
        assert self._response.status == 200
        assert self._response.getheader("Content-Type", "").startswith("text/event-stream")
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        return self

    def _read(self) -> None:
        name, data = "message", ""
        try:
            while True:
                line = self._response.readline()
                if not line:
                    return
                if self.first_byte_after is None:
                    self.first_byte_after = time.monotonic() - self.opened_at
                    self.first_bytes = line
                text = line.decode().rstrip("\n")
                if text.startswith("event: "):
                    name = text.removeprefix("event: ")
                elif text.startswith("data: "):
                    data = text.removeprefix("data: ")
                elif text == "" and data:
                    self.events.append(SseEvent(name, json.loads(data)))
                    name, data = "message", ""
        except (OSError, ValueError):
            return

    def of(self, event: str) -> list[dict[str, Any]]:
        return [e.data for e in list(self.events) if e.event == event]

    def wait_line(self, text: str, timeout: float = 10.0) -> dict[str, Any]:
        def seen() -> dict[str, Any] | None:
            return next((line for line in self.of("line") if line["text"] == text), None)

        found = wait_for(seen, timeout, f"the line {text!r} on the event stream")
        assert found is not None
        return found

    def close(self) -> None:
        """Hang up, as a closed browser tab would (the response holds the socket open too)."""
        with contextlib.suppress(OSError):  # already gone if the server ended the stream
            self._socket.shutdown(socket.SHUT_RDWR)
        self._socket.close()
        self._conn.close()
