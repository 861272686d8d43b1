"""``marsy serve payload`` as its own process, against a stand-in rocket and satellite on a real
broker and influxd: the stage separation it heard survives a SIGKILL, the detach comes in orbit
under one command id, and satellite data are stored while the detach waits on the rocket."""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from devservers import LocalInfluxd, LocalMosquitto
from marsy.mqtt import MqttBus, Pending
from marsy.protocol import CommandAction, Device, DeviceTelemetry, EventType, FlightPhase
from marsy.store import InfluxHttp, TelemetryReader
from tests.ground.conftest import Service
from tests.ground.steering.messages import event
from tests.ground.steering.standin import StandInRocket, announce
from tests.waiting import wait_for

pytestmark = pytest.mark.integration

ORBIT = {"apoapsis": 205_400.0, "periapsis": 196_200.0, "altitude": 199_900.0}


def status(service: Service) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{service.port}/status", timeout=5) as answer:
        data: dict[str, Any] = json.load(answer)
        return data


def stored(influxd: LocalInfluxd, mission_id: str) -> int:
    settings = influxd.settings()
    http = InfluxHttp(settings.url, username=settings.username, password=settings.password)
    try:
        return TelemetryReader(http, settings.payload_db).count(Device.SATELLITE, mission_id)
    finally:
        http.close()


def satellite_samples(bus: MqttBus, mission_id: str, count: int) -> None:
    pending: list[Pending] = []
    for seq in range(count):
        sample = DeviceTelemetry(
            mission_id=mission_id,
            source="satellite",
            seq=seq,
            ts=time.time() - count + seq,
            device=Device.SATELLITE,
            phase=FlightPhase.ORBIT,
            values={"altitude": 200_000.0 + seq, "battery": 90.0},
        )
        pending.append(bus.publish_message(sample))
    for p in pending:
        p.wait(10)


def test_payload_detaches_once_after_staging_across_a_kill_and_stores_satellite_data(
    broker: LocalMosquitto,
    influxd: LocalInfluxd,
    serve: Callable[..., Service],
    bus_factory: Callable[..., MqttBus],
) -> None:
    mission = f"M-payload-{uuid.uuid4().hex[:6]}"
    command = bus_factory(broker, "command", persistent=False)
    command.start()
    announce(command, mission)
    rocket = StandInRocket(bus_factory(broker, "rocket"), mission)
    satellite = bus_factory(broker, "satellite")
    satellite.start()
    try:
        payload = serve("payload", broker, influxd)
        rocket.set(FlightPhase.UPPER_STAGE, periapsis=-500_000.0, altitude=150_000.0)
        rocket.bus.publish_message(event(mission, EventType.STAGE_SEPARATION)).wait(5)
        wait_for(
            lambda: "stage_separation" in status(payload)["milestones"], 10, "staging confirmed"
        )
        payload.kill()  # the event was acknowledged: the broker will not send it again
        payload.start()

        rocket.set(FlightPhase.ORBIT, **ORBIT)  # the rocket does not answer yet
        wait_for(lambda: rocket.ids(CommandAction.DETACH), 10, "the detach order")
        satellite_samples(satellite, mission, 200)
        wait_for(lambda: stored(influxd, mission) == 200, 20, "satellite data while detaching")
        assert status(payload)["orders"][0]["outcome"] == "pending"

        rocket.answering.set()
        wait_for(
            lambda: status(payload)["orders"][0]["outcome"] == "accepted", 10, "the detach acked"
        )
    finally:
        rocket.close()
    assert set(rocket.ids(CommandAction.DETACH)) == {status(payload)["orders"][0]["command_id"]}
    assert len(status(payload)["orders"]) == 1
    ledger = [e for e in payload.health()["ledger"] if e["mission_id"] == mission]
    assert [(e["source"], e["received"], e["missing"]) for e in ledger] == [("satellite", 200, 0)]
