"""The flight ingest against a flooding login, a wild sequence number and a failing store, on real
Mosquitto and influxd: the rocket's samples keep flowing, every refusal is told, and the heartbeat
says how fresh the store is."""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from devservers import LocalInfluxd, LocalMosquitto
from marsy.mqtt import MqttBus, Pending
from marsy.protocol import (
    Channel,
    DeadLetter,
    Device,
    DeviceTelemetry,
    FlightPhase,
    ServiceHealth,
    decode_as,
)
from tests.ground.conftest import Service
from tests.waiting import wait_for

pytestmark = pytest.mark.integration

MISSION = "M-defences"
FLOOD = 20_000
BURST = 2_000
SUMMARY = re.compile(r"\(and ([\d,]+) more from ")


@pytest.fixture
def private_influxd(tmp_path: Path) -> Iterator[LocalInfluxd]:
    server = LocalInfluxd(tmp_path / "influxd")
    server.start()
    yield server
    server.stop()


def sample(seq: int) -> DeviceTelemetry:
    return DeviceTelemetry(
        mission_id=MISSION,
        source="rocket",
        seq=seq,
        ts=time.time(),
        device=Device.ROCKET,
        phase=FlightPhase.ASCENT,
        values={"altitude": 1000.0 + seq % 1000, "mach": 0.8},
    )


def rocket_entry(ingest: Service) -> dict[str, Any]:
    for entry in ingest.health()["ledger"]:
        if entry["mission_id"] == MISSION and entry["source"] == "rocket":
            return dict(entry)
    return {}


def stored_rockets(ingest: Service) -> int:
    return int(rocket_entry(ingest).get("received", 0))


class Watcher:
    """Collects one channel of the ingest's own topics (its dead letters, its heartbeat)."""

    def __init__(self, broker: LocalMosquitto, channel: Channel) -> None:
        self.bus = MqttBus(broker.settings_for("observer"))
        self.bus.subscribe(self.bus.topics.topic(channel, "telemetry"))
        self.bus.start()
        self.payloads: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            delivery = self.bus.receive(0.1)
            if delivery is not None:
                self.payloads.append(delivery.payload)
                self.bus.ack(delivery)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.bus.stop(timeout=1)


def junk(broker: LocalMosquitto, login: str, count: int) -> None:
    bus = MqttBus(broker.settings_for(login, max_inflight=2000, publish_timeout=60))
    bus.start()
    topic = bus.topics.topic(Channel.TELEMETRY, login)
    try:
        pending = [bus.publish(topic, b'{"kind":"telemetry","junk":%d}' % i) for i in range(count)]
        for p in pending:
            p.wait(60)
    finally:
        bus.stop(timeout=1)


def test_a_flood_from_one_login_does_not_hold_up_the_rocket(
    private_broker: LocalMosquitto, private_influxd: LocalInfluxd, serve: Callable[..., Service]
) -> None:
    ingest = serve(
        "telemetry",
        private_broker,
        private_influxd,
        MARSY_GROUND_INGEST=json.dumps({"source_burst": BURST}),
    )
    letters = Watcher(private_broker, Channel.DEADLETTER)
    rocket = MqttBus(private_broker.settings_for("rocket"))
    rocket.start()
    sent_at: list[float] = []
    stored_at: list[float] = []
    floods = [
        threading.Thread(target=junk, args=(private_broker, str(Device.BOOSTER), FLOOD)),
        threading.Thread(target=junk, args=(private_broker, str(Device.SATELLITE), FLOOD // 4)),
    ]
    try:
        pending: list[Pending] = []
        for seq in range(80):  # 8 s at 10 Hz, the flood from the second second on
            if seq == 10:
                for flood in floods:
                    flood.start()
            sent_at.append(time.monotonic())
            pending.append(rocket.publish_message(sample(seq)))
            deadline = time.monotonic() + 0.1
            while time.monotonic() < deadline:
                stored_at += [time.monotonic()] * (stored_rockets(ingest) - len(stored_at))
                time.sleep(0.01)
        for flood in floods:
            flood.join(60)
        for p in pending:
            p.wait(10)

        def all_stored() -> bool:
            nonlocal stored_at
            stored_at += [time.monotonic()] * (stored_rockets(ingest) - len(stored_at))
            return len(stored_at) == len(sent_at)

        wait_for(all_stored, 30, "every rocket sample stored")
        booster = wait_for(
            lambda: (
                (c := ingest.health()["sources"].get("booster", {})).get("received") == FLOOD and c
            ),
            60,
            "the whole flood handled",
        )

        def told() -> int:
            total = 0
            for payload in list(letters.payloads):
                letter = decode_as(DeadLetter, payload)
                if letter.topic.endswith("/telemetry/booster"):
                    more = SUMMARY.search(letter.reason)
                    total += 1 + (int(more.group(1).replace(",", "")) if more else 0)
            return total

        wait_for(lambda: told() == FLOOD, 20, "every refusal told, in full or in a summary")
    finally:
        rocket.stop(timeout=1)
        letters.stop()
    latency = max(stored - sent for sent, stored in zip(sent_at, stored_at, strict=True))
    print(f"longest rocket sample wait during the flood: {latency:.2f} s")
    assert latency < 3.0, f"a rocket sample waited {latency:.1f} s behind the flood"
    health = ingest.health()
    assert "satellite" not in health["sources"], "the flight ingest does not hear the satellite"
    assert booster["rate_limited"] > FLOOD // 2, "most of it refused before decoding"
    assert booster["refused"] + booster["rate_limited"] == FLOOD
    assert len(letters.payloads) < 300, "a flood of refusals is not a flood of letters"
    entry = rocket_entry(ingest)
    assert entry["gaps"] == [] and entry["received"] == 80


def test_a_wild_sequence_number_is_refused_and_the_ledger_stays_honest(
    broker: LocalMosquitto, influxd: LocalInfluxd, serve: Callable[..., Service]
) -> None:
    ingest = serve("telemetry", broker, influxd)
    letters = Watcher(broker, Channel.DEADLETTER)
    rocket = MqttBus(broker.settings_for("rocket"))
    rocket.start()
    try:
        for seq in [*range(10), 10**12, *range(10, 20)]:
            rocket.publish_message(sample(seq)).wait(10)
        wait_for(lambda: stored_rockets(ingest) == 20, 20, "the honest samples stored")
        letter = wait_for(
            lambda: next((decode_as(DeadLetter, p) for p in letters.payloads), None),
            10,
            "the dead letter",
        )
    finally:
        rocket.stop(timeout=1)
        letters.stop()
    assert letter is not None
    assert letter.field == "seq" and "more than 100,000 beyond the highest" in letter.reason
    entry = rocket_entry(ingest)
    assert (entry["first"], entry["last"], entry["gaps"]) == (0, 19, [])
    assert ingest.health()["sources"]["rocket"]["seq_refused"] == 1


def test_the_heartbeat_says_how_fresh_the_store_is(
    private_broker: LocalMosquitto, private_influxd: LocalInfluxd, serve: Callable[..., Service]
) -> None:
    ingest = serve("telemetry", private_broker, private_influxd)
    beats = Watcher(private_broker, Channel.HEALTH)
    rocket = MqttBus(private_broker.settings_for("rocket"))
    rocket.start()

    def latest() -> ServiceHealth | None:
        return decode_as(ServiceHealth, beats.payloads[-1]) if beats.payloads else None

    def heard(check: Callable[[ServiceHealth], bool]) -> ServiceHealth | None:
        health = latest()
        return health if health is not None and check(health) else None

    try:
        rocket.publish_message(sample(0)).wait(10)
        fresh = wait_for(lambda: heard(lambda h: h.store_ok is True), 10, "a healthy beat")
        private_influxd.stop()
        rocket.publish_message(sample(1)).wait(10)  # the write that finds the store gone
        failing = wait_for(lambda: heard(lambda h: h.store_ok is False), 15, "a failing store")
        private_influxd.start()
        rocket.publish_message(sample(2)).wait(10)
        wait_for(lambda: heard(lambda h: h.store_ok is True), 30, "the store back")
    finally:
        rocket.stop(timeout=1)
        beats.stop()
    assert fresh is not None and failing is not None
    assert fresh.source == "telemetry" and fresh.mission_id == MISSION
    assert fresh.last_write is not None and abs(fresh.last_write - time.time()) < 10
    assert fresh.ingest_lag is not None and fresh.ingest_lag < 5
    assert failing.last_write is not None and failing.last_write <= time.time()
    uptimes = [decode_as(ServiceHealth, p).uptime for p in beats.payloads]
    gaps = sorted(b - a for a, b in itertools.pairwise(uptimes))
    assert len(gaps) >= 2 and 0.8 < gaps[len(gaps) // 2] < 1.5, f"beats {gaps} s apart"
    assert ingest.health()["spooled"] >= 1
