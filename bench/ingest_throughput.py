"""Ingest throughput, everything real, beside the broker's own QoS-1 rate in the same run.

1. Broker alone: the rocket publishes N QoS-1 telemetry messages; a persistent subscriber acks
   each one (manual acks, as ingest does). Messages per second, end to end.
2. Ingest: the same N messages, through ``marsy serve telemetry`` (a process) into influxd,
   counted as written by its /health. Goal: ingest >= 0.8 x the broker's rate.

    .venv/bin/python bench/ingest_throughput.py [--count 20000]
    .venv/bin/python bench/ingest_throughput.py --smoke      # a few seconds, small numbers
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from devservers import LocalInfluxd, LocalMosquitto, free_port
from marsy.mqtt import MqttBus
from marsy.protocol import Device, DeviceTelemetry, FlightPhase, parameters_of

T0 = 1_800_000_000.0


def sample(seq: int, mission: str) -> DeviceTelemetry:
    values = {
        p.name: (int(p.valid_min) if p.type == "int" else (p.valid_min + p.valid_max) / 2)
        for p in parameters_of(Device.ROCKET)
    }
    return DeviceTelemetry(
        mission_id=mission,
        source="rocket",
        seq=seq,
        ts=T0 + seq / 10,
        device=Device.ROCKET,
        phase=FlightPhase.ASCENT,
        values=values,
    )


def publish_all(bus: MqttBus, count: int, mission: str) -> None:
    payloads = [sample(seq, mission) for seq in range(count)]
    pending = [bus.publish_message(message) for message in payloads]
    for p in pending:
        p.wait(120)


def broker_rate(broker: LocalMosquitto, count: int) -> float:
    broker.topic_root = "raw"
    consumer = MqttBus(broker.settings_for(broker.add_login("telemetry")))
    consumer.subscribe("raw/telemetry/+")
    consumer.start()
    sender = MqttBus(broker.settings_for("rocket"))
    sender.start()
    began = time.perf_counter()
    publish_all(sender, count, "raw")
    got = 0
    while got < count:
        delivery = consumer.receive(timeout=30)
        if delivery is None:
            break
        consumer.ack(delivery)
        got += 1
    elapsed = time.perf_counter() - began
    sender.stop(timeout=1)
    consumer.stop(timeout=1)
    broker.topic_root = "marsy"
    return got / elapsed


def ingest_rate(broker: LocalMosquitto, influxd: LocalInfluxd, state: Path, count: int) -> float:
    port = free_port()
    mqtt = {
        **broker.settings_for("telemetry").model_dump(mode="json"),
        "password": broker.passwords["telemetry"],
    }
    influx = {**influxd.settings().model_dump(mode="json"), "password": influxd.password}
    env = {
        **os.environ,
        "MARSY_GROUND_MQTT": json.dumps(mqtt),
        "MARSY_GROUND_INFLUX": json.dumps(influx),
        "MARSY_GROUND_STATE_DIR": str(state),
        "MARSY_GROUND_HTTP_PORT": str(port),
        "MARSY_GROUND_LOG_LEVEL": "WARNING",
        # The per-source rate limit is a flood defence (bench/ingest_flood.py): here one source
        # sends as fast as it can, so its burst covers the whole run.
        "MARSY_GROUND_INGEST__SOURCE_BURST": str(count),
    }
    ingest = subprocess.Popen([sys.executable, "-m", "marsy_cli", "serve", "telemetry"], env=env)

    def written() -> int:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                return int(json.load(r)["written"])
        except OSError:
            return -1

    try:
        while written() < 0:
            time.sleep(0.1)
        sender = MqttBus(broker.settings_for("rocket"))
        sender.start()
        began = time.perf_counter()
        publish_all(sender, count, "bench")
        deadline = time.monotonic() + 60 + count / 100
        while (done := written()) < count:
            if time.monotonic() > deadline:
                raise SystemExit(f"the ingest wrote {done} of {count} messages, then stopped")
            time.sleep(0.01)
        elapsed = time.perf_counter() - began
        sender.stop(timeout=1)
    finally:
        ingest.terminate()
        ingest.wait(20)
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--smoke", action="store_true", help="a few seconds, small numbers")
    args = parser.parse_args()
    count = 500 if args.smoke else args.count
    with (
        tempfile.TemporaryDirectory(prefix="marsy-bench-") as tmp,
        LocalMosquitto(Path(tmp) / "mq") as broker,
        LocalInfluxd(Path(tmp) / "db") as db,
    ):
        raw = broker_rate(broker, count)
        ingest = ingest_rate(broker, db, Path(tmp) / "state", count)
    print(f"{count} QoS-1 rocket telemetry messages (17 parameters each):")
    print(f"  broker alone, publish -> subscriber ack : {raw:8.0f} msg/s")
    print(f"  ingest, publish -> written in influxd   : {ingest:8.0f} msg/s")
    print(f"  ratio ingest / broker = {ingest / raw:.2f}   (goal >= 0.8)")


if __name__ == "__main__":
    main()
