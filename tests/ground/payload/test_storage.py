"""The satellite recorder beside the payload service, on real Mosquitto and influxd: it beats as
the payload service, and a junk flood from the satellite's login costs a few dead letters."""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path

import pytest

from devservers import LocalInfluxd, LocalMosquitto
from ground.payload.storage import SatelliteStorage
from marsy.mqtt import MqttBus
from marsy.protocol import (
    Channel,
    DeadLetter,
    Device,
    DeviceTelemetry,
    FlightPhase,
    Service,
    ServiceHealth,
    decode_as,
)
from marsy.settings import GroundSettings
from tests.waiting import wait_for

pytestmark = pytest.mark.integration

JUNK = 3_000
SUMMARY = re.compile(r"\(and ([\d,]+) more from ")


def test_the_satellite_recorder_beats_as_payload_and_summarises_a_junk_flood(
    broker: LocalMosquitto, influxd: LocalInfluxd, tmp_path: Path
) -> None:
    mission = f"M-storage-{uuid.uuid4().hex[:6]}"
    settings = GroundSettings.load(
        mqtt=broker.settings_for("payload"), influx=influxd.settings(), state_dir=tmp_path
    )
    storage = SatelliteStorage(settings)
    observer = MqttBus(broker.settings_for("observer"))
    topics = observer.topics
    observer.subscribe(topics.topic(Channel.HEALTH, Service.PAYLOAD))
    observer.subscribe(topics.topic(Channel.DEADLETTER, Service.PAYLOAD))
    satellite = MqttBus(broker.settings_for("satellite", max_inflight=1000))
    beats: list[ServiceHealth] = []
    letters: list[DeadLetter] = []

    def listen() -> None:
        while (delivery := observer.receive(0.05)) is not None:
            observer.ack(delivery)
            if "/health/" in delivery.topic:
                beats.append(decode_as(ServiceHealth, delivery.payload))
            else:
                letters.append(decode_as(DeadLetter, delivery.payload))

    def told() -> int:
        listen()
        return sum(
            1 + (int(m.group(1).replace(",", "")) if (m := SUMMARY.search(x.reason)) else 0)
            for x in letters
        )

    storage.start()
    observer.start()
    satellite.start()
    try:
        junk_topic = topics.topic(Channel.TELEMETRY, Device.SATELLITE)
        pending = [satellite.publish(junk_topic, b"\x00junk %d" % i) for i in range(JUNK)]
        for seq in range(10):
            sample = DeviceTelemetry(
                mission_id=mission,
                source="satellite",
                seq=seq,
                ts=time.time(),
                device=Device.SATELLITE,
                phase=FlightPhase.ORBIT,
                values={"altitude": 200_000.0, "battery": 90.0},
            )
            pending.append(satellite.publish_message(sample))
        for p in pending:
            p.wait(30)
        wait_for(
            lambda: listen() or any(b.mission_id == mission and b.store_ok for b in beats),
            15,
            "a heartbeat after the samples were stored",
        )
        wait_for(lambda: told() == JUNK, 20, "every junk message told")
    finally:
        satellite.stop(timeout=1)
        observer.stop(timeout=1)
        storage.stop()
    beat = next(b for b in beats if b.mission_id == mission and b.store_ok)
    assert beat.source == "payload" and beat.last_write is not None
    assert beat.ingest_lag is not None and beat.ingest_lag < 10
    assert len(letters) < 50
    assert all(x.topic == junk_topic and x.field == "<payload>" for x in letters)
    counts = storage.health()["sources"]["satellite"]
    assert (counts["received"], counts["refused"]) == (JUNK + 10, JUNK)
