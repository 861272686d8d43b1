"""The telemetry ingest as a process, against real Mosquitto and influxd: nothing lost."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from devservers import LocalInfluxd, LocalMosquitto
from marsy.mqtt import MqttBus
from marsy.protocol import (
    Channel,
    DeadLetter,
    Device,
    DeviceTelemetry,
    FlightPhase,
    decode_as,
)
from tests.ground.conftest import Service
from tests.ground.telemetry.flight import MISSION, T0, Flight, stored
from tests.waiting import wait_for

pytestmark = pytest.mark.integration


def diagnosis(ingest: Service, influxd: LocalInfluxd) -> str:
    """What to look at when points do not arrive: counts, the ingest's figures, both logs."""
    counts = {str(d): stored(influxd, d) for d in (Device.ROCKET, Device.SUIT)}
    health = {k: v for k, v in ingest.health().items() if k != "ledger"}
    logs = [ingest.log.read_text()[-3000:], influxd.process.log_tail(20)]
    return f"stored {counts}; ingest health {health}; logs:\n" + "\n---\n".join(logs)


def no_gaps(service: Service, count: int) -> bool:
    ledger = {e["source"]: e for e in service.health()["ledger"] if e["mission_id"] == MISSION}
    return all(
        ledger.get(src, {}).get("received") == count and ledger[src]["gaps"] == []
        for src in ("rocket", "suit")
    )


def test_ingest_killed_mid_flight_loses_nothing(
    private_broker: LocalMosquitto, private_influxd: LocalInfluxd, serve: Callable[..., Service]
) -> None:
    ingest = serve("telemetry", private_broker, private_influxd)
    flight = Flight(private_broker, count=1500, rate=150)
    flight.start()
    wait_for(lambda: flight.sent > 500, 30, "a third of the flight")
    ingest.kill()
    time.sleep(1.0)
    ingest.start()
    flight.finish()
    for device in (Device.ROCKET, Device.SUIT):
        wait_for(lambda d=device: stored(private_influxd, d) == 1500, 60, f"all {device} points")
    wait_for(lambda: no_gaps(ingest, 1500), 20, "a ledger without gaps")


def test_influxd_down_for_30_s_mid_flight_loses_nothing(
    private_broker: LocalMosquitto, private_influxd: LocalInfluxd, serve: Callable[..., Service]
) -> None:
    ingest = serve("telemetry", private_broker, private_influxd)
    flight = Flight(private_broker, count=1200, rate=30)  # 40 s of flight
    flight.start()
    wait_for(lambda: flight.sent > 100, 30, "the flight under way")
    private_influxd.stop()
    outage_end = time.monotonic() + 30
    wait_for(lambda: ingest.health()["spooled"] > 0, 20, "the ingest to spool")
    assert ingest.health()["unacknowledged"] < 50, "spooled points are acknowledged"
    time.sleep(max(0.0, outage_end - time.monotonic()))
    private_influxd.start()
    flight.finish()
    for device in (Device.ROCKET, Device.SUIT):
        try:
            wait_for(
                lambda d=device: stored(private_influxd, d) == 1200, 60, f"all {device} points"
            )
        except AssertionError as exc:
            raise AssertionError(f"{exc}: {diagnosis(ingest, private_influxd)}") from None
    health = ingest.health()
    assert health["replayed"] == health["spooled"] > 0
    wait_for(lambda: no_gaps(ingest, 1200), 20, "a ledger without gaps")


def test_malformed_payloads_are_dead_lettered_and_ingest_stays_up(
    private_broker: LocalMosquitto, private_influxd: LocalInfluxd, serve: Callable[..., Service]
) -> None:
    ingest = serve("telemetry", private_broker, private_influxd)
    watcher = MqttBus(private_broker.settings_for("observer"))
    topics = watcher.topics
    watcher.subscribe(topics.channel_filter(Channel.DEADLETTER))
    watcher.start()
    rocket = MqttBus(private_broker.settings_for("rocket"))
    rocket.start()
    good = DeviceTelemetry(
        mission_id=MISSION,
        source="rocket",
        seq=0,
        ts=T0,
        device=Device.ROCKET,
        phase=FlightPhase.PAD,
        values={"altitude": 1.0},
    )
    junk = [
        b"\x00\xffnot json",
        good.model_dump_json().replace('"schema_version":1', '"schema_version":9').encode(),
        good.model_dump_json().replace('"seq":0', '"seq":"zero"').encode(),
        b'{"kind":"telemetry","padding":"' + b"x" * 70_000 + b'"}',
    ]
    topic = topics.topic(Channel.TELEMETRY, "rocket")
    try:
        for payload in junk:
            rocket.publish(topic, payload).wait()
        rocket.publish_message(good).wait()
        letters = []
        while len(letters) < len(junk):
            delivery = wait_for(lambda: watcher.receive(0.5), 10, "a dead letter")
            letters.append(decode_as(DeadLetter, delivery.payload))
            watcher.ack(delivery)
    finally:
        rocket.stop(timeout=1)
        watcher.stop(timeout=1)
    assert [letter.field for letter in letters] == [
        "<payload>",
        "schema_version",
        "seq",
        "<payload>",
    ]
    assert all(letter.topic == topic for letter in letters)
    wait_for(lambda: stored(private_influxd, Device.ROCKET) == 1, 20, "the good point stored")
    assert ingest.health()["dead_lettered"] == 4
