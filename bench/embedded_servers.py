"""The embedded broker and store beside Mosquitto and influxd: same clients, same load, one run.

Each pair of servers runs privately in a temporary folder and gets the same work:

1. Broker: QoS-1 publish -> PUBACK round trip, one publish at a time with a subscriber acking
   each delivery (p50, p99); then N rocket telemetry messages from one publisher to one
   manual-ack subscriber, as ingest consumes them (msg/s, first publish to last delivery).
2. Store: every device at 10 Hz written in batches of 500 lines, as ingest writes (points/s);
   the calculator's window read (the rocket's last 4 s) with 10k and with ~300k points stored,
   whose ratio shows whether it grows with the mission; a whole-mission ``SELECT *`` of the
   rocket, the query the report runs.

Prints each figure and the ratio embedded / real: the price of a laptop without the servers.

    .venv/bin/python bench/embedded_servers.py [--quick]
    .venv/bin/python bench/embedded_servers.py --smoke      # a few seconds, small numbers
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

from devservers import LocalInfluxd, LocalMosquitto
from devservers.embedded.broker.instance import EmbeddedBroker
from devservers.embedded.tsdb.instance import EmbeddedInfluxd
from marsy.mqtt import MqttBus
from marsy.protocol import (
    Channel,
    Device,
    DeviceTelemetry,
    FlightPhase,
    ValueType,
    encode_message,
    measurement,
    parameters_of,
)
from marsy.settings import InfluxSettings
from marsy.store import InfluxStore, connect_store, database_for, point_line


@dataclass(frozen=True)
class Sizes:
    """How much each measure does; ``--quick`` takes the small set, ``--smoke`` the tiny one."""

    round_trips: int = 2_000
    messages: int = 10_000
    small_points: int = 10_000  # all devices together
    large_points: int = 300_000  # about 2 h of mission
    window_reads: int = 50
    whole_reads: int = 3


FULL = Sizes()
QUICK = Sizes(round_trips=500, messages=2_000, large_points=60_000, whole_reads=1)
SMOKE = Sizes(
    round_trips=20,
    messages=200,
    small_points=400,
    large_points=4_000,
    window_reads=3,
    whole_reads=1,
)

BATCH = 500  # lines per write request, as ingest sends them
RATE = 10  # Hz, every device
WINDOW = 4.0  # mission seconds the calculator reads per device (2 x its default 2-s period)
T0 = 1_800_000_000.0
MISSION = "bench-embedded"

Broker = LocalMosquitto | EmbeddedBroker
Store = LocalInfluxd | EmbeddedInfluxd


@dataclass(frozen=True)
class BrokerFigures:
    round_trip_p50: float
    round_trip_p99: float
    rate: float


@dataclass(frozen=True)
class StoreFigures:
    write_rate: float
    window_small: float
    window_large: float
    whole_mission: float
    whole_rows: int


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# --- broker -----------------------------------------------------------------------------------


def telemetry(seq: int) -> DeviceTelemetry:
    values = {
        p.name: int(p.valid_min) if p.type is ValueType.INT else (p.valid_min + p.valid_max) / 2
        for p in parameters_of(Device.ROCKET)
    }
    return DeviceTelemetry(
        mission_id=MISSION,
        source="rocket",
        seq=seq,
        ts=T0 + seq / RATE,
        device=Device.ROCKET,
        phase=FlightPhase.ASCENT,
        values=values,
    )


class Acker(threading.Thread):
    """Receives and acks every delivery of a bus, as ingest does; notes when ``target`` came."""

    def __init__(self, bus: MqttBus) -> None:
        super().__init__(daemon=True)
        self.bus = bus
        self.received = 0
        self.target = 0
        self.reached = threading.Event()
        self.reached_at = 0.0
        self.stopping = threading.Event()

    def expect(self, count: int) -> None:
        self.reached.clear()
        self.target = self.received + count

    def run(self) -> None:
        while not self.stopping.is_set():
            delivery = self.bus.receive(timeout=0.1)
            if delivery is None:
                continue
            self.bus.ack(delivery)
            self.received += 1
            if self.received == self.target:
                self.reached_at = time.perf_counter()
                self.reached.set()


def broker_figures(broker: Broker, sizes: Sizes) -> BrokerFigures:
    round_trips, messages = sizes.round_trips, sizes.messages
    consumer = MqttBus(broker.settings_for("telemetry"))
    consumer.subscribe(consumer.topics.channel_filter(Channel.TELEMETRY))
    rocket = MqttBus(broker.settings_for("rocket"), persistent=False)
    acker = Acker(consumer)
    consumer.start()
    rocket.start()
    acker.start()
    topic = rocket.topics.for_message(telemetry(0))
    payloads = [encode_message(telemetry(seq)) for seq in range(max(round_trips, messages))]
    try:
        samples = []
        acker.expect(round_trips)
        for payload in payloads[:round_trips]:
            began = time.perf_counter()
            rocket.publish(topic, payload).wait(10)
            samples.append(time.perf_counter() - began)
        if not acker.reached.wait(30):
            raise RuntimeError(f"{acker.received} of {acker.target} messages delivered")

        acker.expect(messages)
        began = time.perf_counter()
        pending = [rocket.publish(topic, payload) for payload in payloads[:messages]]
        for p in pending:
            p.wait(60)
        if not acker.reached.wait(120):
            raise RuntimeError(f"{acker.received} of {acker.target} messages delivered")
        rate = messages / (acker.reached_at - began)
    finally:
        acker.stopping.set()
        acker.join(2)
        rocket.stop(timeout=1)
        consumer.stop(timeout=1)
    return BrokerFigures(percentile(samples, 50), percentile(samples, 99), rate)


# --- store ------------------------------------------------------------------------------------


def sample_lines(start: int, stop: int) -> dict[Device, list[str]]:
    """Samples ``start..stop`` of every device, every parameter, values moving with time."""
    out: dict[Device, list[str]] = {d: [] for d in Device}
    for device in Device:
        params = parameters_of(device)
        for seq in range(start, stop):
            values: dict[str, float | int] = {}
            for k, p in enumerate(params):
                share = ((seq * 37 + k * 101) % 1000) / 1000
                value = p.valid_min + (p.valid_max - p.valid_min) * share
                values[p.name] = int(value) if p.type is ValueType.INT else value
            common = {
                "mission_id": MISSION,
                "source": str(device),
                "seq": seq,
                "ts": T0 + seq / RATE,
                "phase": FlightPhase.ORBIT,
                "values": values,
            }
            out[device].append(point_line(measurement(device, astronaut="Thomas", **common)))
    return out


class Filler:
    """Writes the mission into a store batch by batch, timing only the write requests."""

    def __init__(self, store: InfluxStore, settings: InfluxSettings) -> None:
        self.store = store
        self.settings = settings
        self.points = 0
        self.seconds = 0.0

    def fill(self, start: int, stop: int, chunk: int = 2_500) -> None:
        for first in range(start, stop, chunk):
            by_device = sample_lines(first, min(stop, first + chunk))
            by_database: dict[str, list[str]] = {}
            # Interleave the devices sample by sample, as they arrive at ingest.
            for row in zip(*by_device.values(), strict=True):
                for device, line in zip(by_device, row, strict=True):
                    by_database.setdefault(database_for(device, self.settings), []).append(line)
            for database, lines in by_database.items():
                for i in range(0, len(lines), BATCH):
                    batch = lines[i : i + BATCH]
                    began = time.perf_counter()
                    self.store.write(database, batch)
                    self.seconds += time.perf_counter() - began
                    self.points += len(batch)


def settle(server: Store, store: InfluxStore) -> None:
    """Let influxd move the bulk load out of its write cache, as a real mission's history is.
    The embedded store commits each write to its tables; it has nothing to wait for."""
    if not isinstance(server, LocalInfluxd):
        return
    for _ in range(600):
        if store.cache_bytes() == 0:
            return
        time.sleep(0.1)


def median_time(read: Callable[[], object], repeats: int) -> float:
    read()  # warm up
    samples = []
    for _ in range(repeats):
        began = time.perf_counter()
        read()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def store_figures(server: Store, sizes: Sizes, settings: InfluxSettings) -> StoreFigures:
    store = connect_store(server.settings(timeout=120))  # the admin: it writes and reads all
    filler = Filler(store, settings)

    def window_at(samples: int) -> float:
        end = T0 + (samples - 1) / RATE
        return median_time(
            lambda: store.window(Device.ROCKET, MISSION, end - WINDOW, end), sizes.window_reads
        )

    def whole_mission() -> int:
        return len(store.telemetry(Device.ROCKET, MISSION))

    small, large = sizes.small_points // len(Device), sizes.large_points // len(Device)
    try:
        filler.fill(0, small)
        settle(server, store)
        window_small = window_at(small)
        filler.fill(small, large)
        settle(server, store)
        window_large = window_at(large)
        rows = whole_mission()
        whole = median_time(whole_mission, sizes.whole_reads)
    finally:
        store.close()
    return StoreFigures(filler.points / filler.seconds, window_small, window_large, whole, rows)


# --- report -----------------------------------------------------------------------------------


def row(name: str, real: float, embedded: float, unit: str, scale: float = 1.0) -> None:
    print(
        f"  {name:<36} {real * scale:10.2f} {embedded * scale:10.2f}  {unit:<8}"
        f" {embedded / real:7.2f}"
    )


def report(sizes: Sizes, brokers: list[BrokerFigures], stores: list[StoreFigures]) -> None:
    (rb, eb), (rs, es) = brokers, stores
    print(f"{'':38} {'real':>10} {'embedded':>10}  {'':<8} {'emb/real':>7}")
    print("broker (Mosquitto vs embedded), QoS 1, rocket telemetry:")
    trips = sizes.round_trips
    row(f"publish -> PUBACK p50 ({trips})", rb.round_trip_p50, eb.round_trip_p50, "ms", 1e3)
    row(f"publish -> PUBACK p99 ({trips})", rb.round_trip_p99, eb.round_trip_p99, "ms", 1e3)
    row(f"{sizes.messages} msgs to a manual-ack consumer", rb.rate, eb.rate, "msg/s")
    print(f"store (influxd vs embedded), {len(Device)} devices at {RATE} Hz, {BATCH}-line batches:")
    row("write throughput", rs.write_rate, es.write_rate, "points/s")
    for stored, real, embedded in (
        (sizes.small_points, rs.window_small, es.window_small),
        (sizes.large_points, rs.window_large, es.window_large),
    ):
        row(f"{WINDOW:g}-s window p50, {stored} points stored", real, embedded, "ms", 1e3)
    rows = (
        str(es.whole_rows) if rs.whole_rows == es.whole_rows else f"{rs.whole_rows}/{es.whole_rows}"
    )
    row(f"whole mission, rocket ({rows} rows)", rs.whole_mission, es.whole_mission, "s")
    print("window growth, large / small store:")
    print(
        f"  real {rs.window_large / rs.window_small:.2f}   "
        f"embedded {es.window_large / es.window_small:.2f}"
    )


@click.command()
@click.option("--quick", is_flag=True, help="Smaller sizes: a run of well under a minute.")
@click.option("--smoke", is_flag=True, help="Tiny sizes: a few seconds, small numbers.")
def main(quick: bool, smoke: bool) -> None:
    sizes = SMOKE if smoke else QUICK if quick else FULL
    settings = InfluxSettings()
    brokers: list[BrokerFigures] = []
    stores: list[StoreFigures] = []
    with tempfile.TemporaryDirectory(prefix="marsy-bench-") as tmp:
        for name, broker_type in (("real", LocalMosquitto), ("embedded", EmbeddedBroker)):
            with broker_type(Path(tmp) / f"mq-{name}") as broker:
                brokers.append(broker_figures(broker, sizes))
        for name, store_type in (("real", LocalInfluxd), ("embedded", EmbeddedInfluxd)):
            with store_type(Path(tmp) / f"db-{name}") as store:
                stores.append(store_figures(store, sizes, settings))
    report(sizes, brokers, stores)


if __name__ == "__main__":
    main()
