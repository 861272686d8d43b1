"""Rocket telemetry through the flight ingest while one login floods the bus with junk.

Everything real: Mosquitto, influxd, and ``marsy serve telemetry`` and ``marsy serve payload``
as processes. A rocket publishes QoS-1 telemetry at 10 Hz; meanwhile a flooder publishes
``--flood`` junk messages as fast as the broker takes them on its own telemetry topic: the
satellite by default (the payload recorder's stream, which the flight ingest no longer hears),
or ``--flooder booster`` (a stream the flight ingest stores itself: its per-source rate limit and
dead-letter budget do the work). Printed, against the same run without the flood: the rocket
samples' ingest latency (publish -> stored, read from the ingest's ledger polled at 50 Hz, so
+-20 ms) at p50 / p99 / max, and the flood's drain time (first junk published -> the last one
handled by its recorder).

    .venv/bin/python bench/ingest_flood.py [--flood 50000] [--flooder satellite|booster]
    .venv/bin/python bench/ingest_flood.py --smoke      # a few seconds, small numbers
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

from devservers import LocalInfluxd, LocalMosquitto, free_port
from marsy.mqtt import MqttBus, Pending
from marsy.protocol import Channel, Device, DeviceTelemetry, FlightPhase
from marsy.settings import MqttSettings

RATE_HZ = 10.0


@dataclass
class Service:
    name: str
    port: int
    process: subprocess.Popen[bytes]

    def health(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=2) as r:
            data: dict[str, Any] = json.load(r)
            return data

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(20)


def serve(name: str, broker: LocalMosquitto, influxd: LocalInfluxd, state: Path) -> Service:
    port = free_port()
    mqtt = {**broker.settings_for(name).model_dump(mode="json"), "password": broker.passwords[name]}
    influx = {**influxd.settings().model_dump(mode="json"), "password": influxd.password}
    env = {
        **os.environ,
        "MARSY_GROUND_MQTT": json.dumps(mqtt),
        "MARSY_GROUND_INFLUX": json.dumps(influx),
        "MARSY_GROUND_STATE_DIR": str(state),
        "MARSY_GROUND_HTTP_PORT": str(port),
        "MARSY_GROUND_LOG_LEVEL": "ERROR",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "marsy_cli", "serve", name],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    service = Service(name, port, process)
    deadline = time.monotonic() + 30
    while True:
        try:
            if service.health().get("connected", True):
                return service
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start") from None
        time.sleep(0.1)


def received(health: dict[str, Any], mission: str, source: str) -> int:
    for entry in health["ledger"]:
        if entry["mission_id"] == mission and entry["source"] == source:
            return int(entry["received"])
    return 0


def source_counts(service: Service, source: str) -> dict[str, int]:
    health = service.health()
    sources = health.get("storage", health)["sources"]
    return dict(sources.get(source, {}))


class Rocket:
    """Publishes numbered samples at 10 Hz and remembers when each left."""

    def __init__(self, broker: LocalMosquitto, mission: str, seconds: float) -> None:
        self.bus = MqttBus(broker.settings_for("rocket"))
        self.mission = mission
        self.count = int(seconds * RATE_HZ)
        self.sent_at: list[float] = []
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self.bus.start()
        self._thread.start()

    def _run(self) -> None:
        pending: list[Pending] = []
        began = time.monotonic()
        for seq in range(self.count):
            time.sleep(max(0.0, began + seq / RATE_HZ - time.monotonic()))
            sample = DeviceTelemetry(
                mission_id=self.mission,
                source="rocket",
                seq=seq,
                ts=time.time(),
                device=Device.ROCKET,
                phase=FlightPhase.ASCENT,
                values={"altitude": 1000.0 + seq, "mach": 0.8},
            )
            self.sent_at.append(time.monotonic())
            pending.append(self.bus.publish_message(sample))
        for p in pending:
            p.wait(60)

    def join(self) -> None:
        self._thread.join()
        self.bus.stop(timeout=1)


def flood(settings: MqttSettings, login: str, count: int, out: Queue[tuple[float, float]]) -> None:
    """Publish ``count`` junk messages on ``login``'s telemetry topic; put when the first left
    and how long until the broker had them all. Runs in a process of its own, as a device would:
    in the bench's process it would take the interpreter from the rocket and the watch."""
    bus = MqttBus(settings)
    bus.start()
    topic = bus.topics.topic(Channel.TELEMETRY, login)
    began = time.monotonic()  # CLOCK_MONOTONIC: the same clock in every process
    pending = [
        bus.publish(topic, b'{"kind":"telemetry","junk":%d,"padding":"%s"}' % (i, b"x" * 64))
        for i in range(count)
    ]
    for p in pending:
        p.wait(120)
    out.put((began, time.monotonic() - began))
    bus.stop(timeout=1)


def watch(service: Service, mission: str, until: Callable[[], bool]) -> list[tuple[float, int]]:
    """(time, rocket samples stored) at 50 Hz until ``until()``."""
    seen: list[tuple[float, int]] = []
    while not until():
        try:
            seen.append((time.monotonic(), received(service.health(), mission, "rocket")))
        except OSError:
            pass
        time.sleep(0.02)
    seen.append((time.monotonic(), received(service.health(), mission, "rocket")))
    return seen


def latencies(rocket: Rocket, seen: list[tuple[float, int]]) -> list[float]:
    result = []
    for seq, sent in enumerate(rocket.sent_at):
        stored = next((t for t, n in seen if n > seq), None)
        if stored is not None:
            result.append(max(0.0, stored - sent))
    return result


@dataclass
class Run:
    latencies: list[float]
    lost: int
    drain: float | None = None
    sent: float | None = None
    flood_letters: int = 0
    flood_counts: dict[str, int] | None = None


def one_run(
    broker: LocalMosquitto,
    telemetry: Service,
    payload: Service,
    mission: str,
    seconds: float,
    flooder: str | None,
    count: int,
) -> Run:
    rocket = Rocket(broker, mission, seconds)
    rocket.start()
    drained: list[float] = []
    flood_thread = None
    recorder = payload if flooder == str(Device.SATELLITE) else telemetry
    before = source_counts(recorder, flooder).get("received", 0) if flooder else 0
    if flooder is not None:

        def run_flood() -> None:
            time.sleep(1.0)  # the rocket is flowing first
            settings = broker.settings_for(flooder, max_inflight=2000, publish_timeout=120)
            spawn = multiprocessing.get_context("spawn")
            out: Queue[tuple[float, float]] = spawn.Queue()
            process = spawn.Process(target=flood, args=(settings, flooder, count, out))
            process.start()
            began, sent = out.get(timeout=300)
            process.join(30)
            while source_counts(recorder, flooder).get("received", 0) - before < count:
                time.sleep(0.02)
            drained.extend([time.monotonic() - began, sent])

        flood_thread = threading.Thread(target=run_flood, daemon=True)
        flood_thread.start()
    done = threading.Event()

    def finished() -> bool:
        return done.is_set()

    def wait_all() -> None:
        rocket.join()
        if flood_thread is not None:
            flood_thread.join()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if received(telemetry.health(), mission, "rocket") >= rocket.count:
                break
            time.sleep(0.05)
        done.set()

    waiter = threading.Thread(target=wait_all, daemon=True)
    waiter.start()
    seen = watch(telemetry, mission, finished)
    waiter.join()
    lat = latencies(rocket, seen)
    run = Run(lat, rocket.count - len(lat))
    if flooder is not None:
        run.drain, run.sent = drained if drained else (None, None)
        run.flood_counts = source_counts(recorder, flooder)
    return run


def describe(label: str, run: Run) -> str:
    ms = sorted(x * 1000 for x in run.latencies)
    if not ms:
        return f"  {label:<30} no rocket sample stored"
    p50 = statistics.median(ms)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    line = f"  {label:<30} p50 {p50:7.0f} ms   p99 {p99:7.0f} ms   max {ms[-1]:7.0f} ms"
    line += f"   ({len(ms)} samples, {run.lost} not stored)"
    if run.drain is not None and run.sent is not None:
        line += (
            f"\n  {'':<30} flood drained in {run.drain:.1f} s "
            f"(the broker took it all in {run.sent:.1f} s)"
        )
    if run.flood_counts:
        c = run.flood_counts
        line += (
            f"\n  {'':<30} flood at its recorder: {c.get('rate_limited', 0):,} over the rate, "
            f"{c.get('refused', 0):,} refused by the contract, "
            f"{c.get('letters', 0):,} dead letters published, "
            f"{c.get('summarised', 0):,} only counted"
        )
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flood", type=int, default=50_000, help="junk messages to send")
    parser.add_argument(
        "--flooder",
        choices=[str(Device.SATELLITE), str(Device.BOOSTER)],
        default=str(Device.SATELLITE),
        help="the login that floods its own telemetry topic",
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="rocket flight per run")
    parser.add_argument("--smoke", action="store_true", help="a few seconds, small numbers")
    args = parser.parse_args()
    count, seconds = (3_000, 4.0) if args.smoke else (args.flood, args.seconds)
    with (
        tempfile.TemporaryDirectory(prefix="marsy-bench-") as tmp,
        LocalMosquitto(Path(tmp) / "mq") as broker,
        LocalInfluxd(Path(tmp) / "db") as influxd,
    ):
        telemetry = serve("telemetry", broker, influxd, Path(tmp) / "state")
        payload = serve("payload", broker, influxd, Path(tmp) / "state")
        try:
            base = one_run(broker, telemetry, payload, "bench-base", seconds, None, 0)
            flooded = one_run(
                broker, telemetry, payload, "bench-flood", seconds, args.flooder, count
            )
        finally:
            telemetry.stop()
            payload.stop()
    print(f"rocket at {RATE_HZ:g} Hz for {seconds:g} s through the flight ingest:")
    print(describe("no flood", base))
    print(describe(f"{count:,} junk from {args.flooder}", flooded))
    if base.lost or flooded.lost:
        raise SystemExit("rocket samples acknowledged and not stored: the ingest lost data")


if __name__ == "__main__":
    main()
