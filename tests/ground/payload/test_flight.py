"""Staging and payload, each its own process, fly a real mission: the firmware simulator on
ptys (no autopilot: the ground gives the orders), the rocket, booster and satellite agents,
Mosquitto and influxd. Staging separates below 8 % first-stage propellant, payload detaches in
orbit after the separation, and the satellite's telemetry lands in InfluxDB ``payload`` — with
the telemetry ingest killed right after staging."""

from __future__ import annotations

import json
import re
import threading
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from devservers import LocalInfluxd, LocalMosquitto
from ground.runtime import GroundBus
from marsy.mqtt import MqttBus
from marsy.protocol import (
    Channel,
    CommandAction,
    ContractError,
    Device,
    DeviceCommand,
    EventType,
    FlightPhase,
    Message,
    MissionEvent,
    MissionState,
    MissionStatus,
    decode_message,
)
from marsy.settings import GroundSettings
from marsy.store import InfluxHttp, TelemetryReader
from tests.edge.conftest import Flight, RunningAgent
from tests.ground.conftest import Service
from tests.waiting import wait_for

pytestmark = pytest.mark.integration

WARP = 40.0


class Watch:
    """Every command to the rocket and every event on the bus, as a ground console sees them."""

    def __init__(self, broker: LocalMosquitto) -> None:
        self.bus = MqttBus(broker.settings_for(broker.add_login("observer")))
        self.bus.subscribe(self.bus.topics.command(Device.ROCKET))
        self.bus.subscribe(self.bus.topics.channel_filter(Channel.EVENTS))
        self.messages: list[Message] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.bus.start()
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            delivery = self.bus.receive(0.1)
            if delivery is None:
                continue
            self.bus.ack(delivery)
            try:
                self.messages.append(decode_message(delivery.payload))
            except ContractError:
                continue

    def commands(self, action: CommandAction) -> list[DeviceCommand]:
        return [m for m in self.messages if isinstance(m, DeviceCommand) and m.action is action]

    def events(self, source: str) -> list[MissionEvent]:
        return [m for m in self.messages if isinstance(m, MissionEvent) and m.source == source]

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.bus.stop(timeout=1)


@pytest.fixture
def watch(private_broker: LocalMosquitto) -> Iterator[Watch]:
    watching = Watch(private_broker)
    yield watching
    watching.stop()


def get(service: Service, path: str) -> Any:
    with urllib.request.urlopen(f"http://127.0.0.1:{service.port}{path}", timeout=5) as answer:
        return json.load(answer)


def accepted(service: Service, step: str) -> dict[str, Any] | None:
    orders = [o for o in get(service, "/status")["orders"] if o["step"] == step]
    return orders[-1] if orders and orders[-1]["outcome"] == "accepted" else None


def satellite_points(influxd: LocalInfluxd, mission_id: str) -> int:
    settings = influxd.settings()
    http = InfluxHttp(settings.url, username=settings.username, password=settings.password)
    try:
        return TelemetryReader(http, settings.payload_db).count(Device.SATELLITE, mission_id)
    finally:
        http.close()


def test_staging_and_payload_fly_the_mission_with_the_telemetry_ingest_killed(
    private_broker: LocalMosquitto,
    influxd: LocalInfluxd,
    fly: Callable[..., Flight],
    run_agent: Callable[..., RunningAgent],
    serve: Callable[..., Service],
    watch: Watch,
) -> None:
    mission = f"M-flight-{uuid.uuid4().hex[:6]}"
    flight = fly("nominal", warp=WARP, autopilot=False)
    clock = {"epoch": flight.sim.runner.clock.epoch, "warp": WARP}
    for device in (Device.ROCKET, Device.BOOSTER, Device.SATELLITE):
        run_agent(private_broker, device, flight.port(device), clock=clock)
    command = GroundBus(
        GroundSettings.load(mqtt=private_broker.settings_for("command"), clock=clock), "command"
    )
    command.start()
    try:
        command.publish(
            MissionStatus(
                state=MissionState.FLYING, phase=FlightPhase.PAD, **command.envelope(mission)
            )
        )
        env = {"MARSY_GROUND_CLOCK": json.dumps(clock)}
        telemetry = serve("telemetry", private_broker, influxd, **env)
        staging = serve("staging", private_broker, **env)
        payload = serve("payload", private_broker, influxd, **env)
        wait_for(
            lambda: get(staging, "/status")["rocket"] and get(payload, "/status")["rocket"],
            20,
            f"rocket telemetry of {mission} at staging and payload",
        )
        ignition = command.commander.request(
            mission, Device.ROCKET, CommandAction.IGNITE, command_id=f"ignite-{mission}"
        )
        assert ignition.accepted, ignition.reason

        separation = wait_for(
            lambda: accepted(staging, "separate"), 30, "the separation acked", interval=0.1
        )
        telemetry.kill()
        detach = wait_for(lambda: accepted(payload, "detach"), 40, "the detach acked", interval=0.1)
        assert separation is not None and detach is not None
        wait_for(
            lambda: satellite_points(influxd, mission) >= 50, 30, "satellite points in payload"
        )
    finally:
        command.stop()

    rocket_events = watch.events("rocket")
    separated = next(e for e in rocket_events if e.event is EventType.STAGE_SEPARATION)
    left = float(re.findall(r"([\d.]+) % propellant", separated.detail)[0])
    assert left <= 8.0, separated.detail  # below 8 % when ordered, printed to one decimal
    assert separation["origin"] == "auto" and separation["attempt"] == 1
    assert "below 8 %" in separation["why"]

    status = get(payload, "/status")
    assert status["milestones"]["stage_separation"] == separated.ts
    assert detach["ordered_at"] > separated.ts, "no detach before the separation"
    assert detach["why"].startswith("orbit reached"), detach["why"]
    assert [o["step"] for o in status["orders"]] == ["detach"]
    assert any(e.event is EventType.PAYLOAD_DETACHED for e in watch.events("satellite"))

    for action in (CommandAction.SEPARATE, CommandAction.DETACH):
        ids = {c.command_id for c in watch.commands(action)}
        assert len(ids) == 1, f"{action} ordered once: {ids}"
    assert watch.commands(CommandAction.THROTTLE) == [], "the board throttled itself at Max-Q"

    health = payload.health()
    ledger = [e for e in health["ledger"] if e["mission_id"] == mission]
    assert [(e["source"], e["missing"]) for e in ledger] == [("satellite", 0)]
    assert health["storage"]["dead_lettered"] == 0
    assert health["steering"]["failed"] == 0
