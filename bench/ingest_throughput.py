"""Ingest throughput, everything real, against the broker's own QoS-1 rate in the same run.

The same N rocket telemetry messages (encoded once, before any clock starts) are published by
one plain paho client (paho's defaults, its network thread) on one Mosquitto, and:

1. raw: a bare persistent QoS-1 subscriber, plain paho in a process of its own, takes them all
   (the broker's speed: what any consumer could hope for on this machine); beside it, MarsY's
   bus as that consumer (manual acks, a run of acks in one write), doing nothing else;
2. ingest x1: ``marsy serve telemetry`` (a process) validates, writes each into influxd and acks
   it once written, counted as written by its /health;
3. ingest xN: ``marsy serve telemetry --workers N`` for each N asked, the workers sharing one
   MQTT 5 shared subscription;
4. the ingest's own pace, once: 3 x N messages queued in its session while it was stopped,
   written after its start with no publisher running.

Each rate runs from the first publish to the last message taken (raw) or written (ingest).
The three are run in interleaved rounds (``--rounds``, 3) and their medians compared, so that
the machine's other load weighs on each alike. Goal: ingest x1 >= 0.8 x raw.

    .venv/bin/python bench/ingest_throughput.py [--count 20000] [--workers 2,3]
    .venv/bin/python bench/ingest_throughput.py --smoke      # a few seconds, small numbers
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from devservers import LocalInfluxd, LocalMosquitto, free_port
from marsy.mqtt import MqttBus
from marsy.protocol import (
    Channel,
    Device,
    DeviceTelemetry,
    FlightPhase,
    Topics,
    encode_message,
    parameters_of,
)
from marsy.settings import MqttSettings

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


def payloads(count: int, mission: str) -> list[bytes]:
    return [encode_message(sample(seq, mission)) for seq in range(count)]


def plain_client(port: int, login: str, password: str, *, persistent: bool) -> paho.Client:
    """A paho client with paho's defaults (MQTT 5, 20 publishes in flight, auto acks)."""
    client = paho.Client(
        CallbackAPIVersion.VERSION2, client_id=login, protocol=MQTTProtocolVersion.MQTTv5
    )
    client.username_pw_set(login, password)
    properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    properties.SessionExpiryInterval = 3600 if persistent else 0
    client.connect("127.0.0.1", port, clean_start=not persistent, properties=properties)
    return client


def publish(broker: LocalMosquitto, topic: str, messages: list[bytes]) -> float:
    """Publish every message at QoS 1 as fast as paho takes them; when the first left."""
    client = plain_client(broker.port, "rocket", broker.passwords["rocket"], persistent=False)
    client.loop_start()
    time.sleep(0.2)  # connected
    began = time.time()
    infos = [client.publish(topic, payload, qos=1) for payload in messages]
    for info in infos:
        info.wait_for_publish(120)
    client.disconnect()
    client.loop_stop()
    return began


def bus_subscriber(port: int, login: str, password: str, topic: str, count: int) -> None:
    """MarsY's bus as the consumer (``--bus-subscriber``): persistent session, manual acks, each
    run of deliveries acked at once; prints as :func:`bare_subscriber` does."""
    settings = MqttSettings(host="127.0.0.1", port=port, username=login, password=password)
    bus = MqttBus(settings)
    bus.subscribe(topic)
    bus.start()
    print("ready", flush=True)
    got = 0
    while got < count:
        run = bus.receive_many(1000, timeout=300)
        if not run:
            break
        bus.ack_many(run)
        got += len(run)
    print(time.time() if got >= count else 0.0, flush=True)
    bus.stop()


def bare_subscriber(port: int, login: str, password: str, topic: str, count: int) -> None:
    """The raw consumer (run as ``--bare-subscriber``): prints "ready", then the wall time at
    which the ``count``-th message arrived."""
    done = threading.Event()
    subscribed = threading.Event()
    got = 0
    last = 0.0

    def on_message(client: paho.Client, userdata: object, message: paho.MQTTMessage) -> None:
        nonlocal got, last
        got += 1
        if got == count:
            last = time.time()
            done.set()

    client = plain_client(port, login, password, persistent=True)
    client.on_message = on_message
    client.on_subscribe = lambda *_: subscribed.set()
    client.subscribe(topic, 1)
    client.loop_start()
    subscribed.wait(10)
    print("ready", flush=True)
    done.wait(300)
    print(last, flush=True)
    client.disconnect()
    client.loop_stop()


def raw_rate(broker: LocalMosquitto, count: int, round_: int = 1, kind: str = "bare") -> float:
    """Publish -> taken by a consumer process: a bare paho subscriber, or MarsY's bus."""
    root = f"{kind}{round_}"
    topic = Topics(root).topic(Channel.TELEMETRY, Device.ROCKET)
    login = broker.add_login("telemetry")
    consumer = subprocess.Popen(
        [
            sys.executable,
            __file__,
            f"--{kind}-subscriber",
            json.dumps([broker.port, login, broker.passwords[login], topic, count]),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert consumer.stdout is not None
    if consumer.stdout.readline().strip() != "ready":
        raise SystemExit("the bare subscriber did not start")
    messages = payloads(count, root)
    began = publish(broker, topic, messages)
    last = float(consumer.stdout.readline() or 0.0)
    consumer.wait(30)
    if not last:
        raise SystemExit(f"the {kind} subscriber did not get every message")
    return count / (last - began)


class Ingest:
    """``marsy serve telemetry`` (``--workers N``) on topic root ``root``, as a process."""

    def __init__(
        self, broker: LocalMosquitto, influxd: LocalInfluxd, state: Path, root: str, workers: int
    ) -> None:
        self.port = free_port()
        broker.topic_root = root
        mqtt = {
            **broker.settings_for("telemetry").model_dump(mode="json"),
            "password": broker.passwords["telemetry"],
        }
        broker.topic_root = "marsy"
        influx = {**influxd.settings().model_dump(mode="json"), "password": influxd.password}
        self.env = {
            **os.environ,
            "MARSY_GROUND_MQTT": json.dumps(mqtt),
            "MARSY_GROUND_INFLUX": json.dumps(influx),
            "MARSY_GROUND_STATE_DIR": str(state / root),
            "MARSY_GROUND_HTTP_PORT": str(self.port),
            "MARSY_GROUND_LOG_LEVEL": "WARNING",
            # The per-source rate limit is a flood defence (bench/ingest_flood.py): here one
            # source sends as fast as it can, so its burst covers the whole run.
            "MARSY_GROUND_INGEST__SOURCE_BURST": str(10_000_000),
        }
        self.command = [sys.executable, "-m", "marsy_cli", "serve", "telemetry"]
        if workers > 1:
            self.command += ["--workers", str(workers)]
        self.process: subprocess.Popen[bytes] | None = None

    def health(self) -> dict[str, Any] | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=2) as r:
                answer: dict[str, Any] = json.load(r)
        except OSError:
            return None
        return answer if answer.get("connected") else None

    def start(self) -> float:
        """Started and subscribed; when it was started (the wall clock)."""
        spawned = time.time()
        self.process = subprocess.Popen(self.command, env=self.env)
        while self.health() is None:
            if self.process.poll() is not None:
                raise SystemExit("the ingest did not start")
            time.sleep(0.02)
        return spawned

    def cpu(self) -> float:
        """CPU seconds the process used so far (Linux)."""
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(20)

    def written(self, count: int) -> float:
        """When the ingest wrote its ``count``-th message, by its own clock (the mission clock,
        here the wall clock). Polled gently: the ingest's time is what is measured."""
        deadline = time.monotonic() + 60 + count / 100
        while (now := self.health()) is None or now["written"] < count:
            if time.monotonic() > deadline:
                written = now["written"] if now else "?"
                raise SystemExit(f"the ingest wrote {written} of {count} messages, then stopped")
            time.sleep(0.05)
        return float(now["last_write"])


def ingest_rate(
    broker: LocalMosquitto,
    influxd: LocalInfluxd,
    state: Path,
    count: int,
    workers: int,
    round_: int = 1,
) -> float:
    """Publish -> written, with the ingest running throughout."""
    root = f"ingest{workers}r{round_}"
    ingest = Ingest(broker, influxd, state, root, workers)
    try:
        ingest.start()
        messages = payloads(count, root)
        began = publish(broker, Topics(root).topic(Channel.TELEMETRY, Device.ROCKET), messages)
        last = ingest.written(count)
    finally:
        ingest.stop()
    return count / (last - began)


def backlog_rate(
    broker: LocalMosquitto, influxd: LocalInfluxd, state: Path, count: int
) -> tuple[float, float]:
    """The ingest's own pace: ``count`` messages queued in its session while it was stopped,
    then written with nothing else running; and its CPU time per message. It starts consuming
    as it connects, so the clock (and the CPU count) starts at its start plus what it took to
    connect when nothing was queued."""
    root = "backlog"
    ingest = Ingest(broker, influxd, state, root, 1)
    try:
        spawned = ingest.start()
        startup, startup_cpu = time.time() - spawned, ingest.cpu()
        ingest.stop()
        publish(broker, Topics(root).topic(Channel.TELEMETRY, Device.ROCKET), payloads(count, root))
        began = ingest.start() + startup
        last = ingest.written(count)
        cpu = ingest.cpu() - startup_cpu
    finally:
        ingest.stop()
    return count / (last - began), cpu / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--workers", default="2", help="worker counts for ingest xN, e.g. 2,3")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (medians)")
    parser.add_argument("--smoke", action="store_true", help="a few seconds, small numbers")
    parser.add_argument("--bare-subscriber", help=argparse.SUPPRESS)
    parser.add_argument("--bus-subscriber", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_subscriber:
        bare_subscriber(*json.loads(args.bare_subscriber))
        return
    if args.bus_subscriber:
        bus_subscriber(*json.loads(args.bus_subscriber))
        return
    count = 500 if args.smoke else args.count
    rounds = 1 if args.smoke else args.rounds
    many = [int(n) for n in args.workers.split(",") if n and int(n) > 1]
    raws: list[float] = []
    buses: list[float] = []
    queued = min(3 * count, 60_000)  # paho numbers at most 65,535 publishes in flight
    rates: dict[int, list[float]] = {n: [] for n in [1, *many]}
    with (
        tempfile.TemporaryDirectory(prefix="marsy-bench-") as tmp,
        LocalMosquitto(Path(tmp) / "mq") as broker,
        LocalInfluxd(Path(tmp) / "db") as db,
    ):
        for round_ in range(1, rounds + 1):  # interleaved: the machine's other load hits all
            raws.append(raw_rate(broker, count, round_))
            buses.append(raw_rate(broker, count, round_, "bus"))
            for n, got in rates.items():
                got.append(ingest_rate(broker, db, Path(tmp) / "state", count, n, round_))
            figures = ", ".join(f"x{n} {got[-1]:.0f}" for n, got in rates.items())
            heard = f"raw {raws[-1]:.0f}, bus {buses[-1]:.0f}"
            print(f"  round {round_}: {heard}, ingest {figures} msg/s", flush=True)
        backlog, cpu = backlog_rate(broker, db, Path(tmp) / "state", queued)
    raw = statistics.median(raws)
    print(
        f"{count} QoS-1 rocket telemetry messages (17 parameters each), one plain paho "
        f"publisher; median of {rounds} interleaved rounds:"
    )
    print(f"  raw: bare paho subscriber                : {raw:8.0f} msg/s")
    bus = statistics.median(buses)
    label = "bus: MarsY's MqttBus, manual acks"
    print(f"  {label:<41}: {bus:8.0f} msg/s   {bus / raw:.2f} x raw")
    for n, got in rates.items():
        rate = statistics.median(got)
        label = f"ingest x{n}: validated, written, acked"
        print(f"  {label:<41}: {rate:8.0f} msg/s   {rate / raw:.2f} x raw")
    alone = f"{backlog:6.0f} msg/s, {cpu * 1e6:.0f} us of CPU a message"
    if args.smoke or backlog <= 0:
        alone = "not timed: start-up varies more than a smoke run lasts"
    print(f"  ingest x1 alone, {queued} queued while it was stopped: {alone}")
    ratio = statistics.median(rates[1]) / raw
    verdict = "met" if ratio >= 0.8 else "NOT met"
    if args.smoke:
        verdict = "not judged: a smoke run's few messages measure start-up, not speed"
    print(f"  goal: ingest x1 >= 0.8 x raw ({verdict})")


if __name__ == "__main__":
    main()
