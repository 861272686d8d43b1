"""The InfluxDB adapter against a real influxd: exact counts, latest values, outages."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from devservers import LocalInfluxd
from marsy.protocol import Device, DeviceTelemetry, FlightPhase
from marsy.settings import InfluxSettings
from marsy.store import (
    BatchWriter,
    InfluxHttp,
    InfluxRejected,
    InfluxStore,
    TelemetryReader,
    point_line,
)
from marsy.store.schema import timestamp_ns
from tests.waiting import wait_for

pytestmark = pytest.mark.integration

T0 = 1_800_000_000.0
DEVICES = (Device.ROCKET, Device.BOOSTER, Device.SATELLITE)


def sample(device: Device, seq: int, mission: str = "m1") -> DeviceTelemetry:
    return DeviceTelemetry(
        mission_id=mission,
        source=str(device),
        seq=seq,
        ts=T0 + seq / 10,
        device=device,
        phase=FlightPhase.ASCENT,
        values={"altitude": seq * 1.5} if device is not Device.SATELLITE else {"battery": 50.0},
    )


def test_100k_points_read_back_exactly(influx_http: InfluxHttp, database: str) -> None:
    writer = BatchWriter(influx_http, batch_size=1000, flush_interval=0.05)
    writer.start()
    per_device = 100_000 // len(DEVICES) + 1
    for seq in range(per_device):
        for device in DEVICES:
            writer.add(database, point_line(sample(device, seq)))
    assert writer.flush(120)
    writer.stop()
    assert writer.stats.written == per_device * len(DEVICES) >= 100_000

    reader = TelemetryReader(influx_http, database)
    end = T0 + per_device / 10
    for device in DEVICES:
        assert reader.count(device, "m1") == per_device
        latest = reader.latest(device, "m1", now=end, count=2)
        assert [s.fields["seq"] for s in latest] == [per_device - 1, per_device - 2]
    rocket = reader.latest(Device.ROCKET, "m1", now=end)[0]
    assert rocket.fields["altitude"] == (per_device - 1) * 1.5
    assert rocket.fields["phase"] == "ascent"
    assert reader.count(Device.ROCKET, "other-mission") == 0


def test_duplicates_are_harmless(influx_http: InfluxHttp, database: str) -> None:
    writer = BatchWriter(influx_http, flush_interval=0.01)
    writer.start()
    for _ in range(3):  # QoS-1 redeliveries of the same samples
        for seq in range(50):
            writer.add(database, point_line(sample(Device.ROCKET, seq)))
    writer.stop()
    reader = TelemetryReader(influx_http, database)
    assert reader.count(Device.ROCKET, "m1") == 50
    assert reader.sequence_numbers(Device.ROCKET, "m1") == list(range(50))


def test_window_is_bounded_on_both_sides(influx_http: InfluxHttp, database: str) -> None:
    body = "\n".join(point_line(sample(Device.ROCKET, seq)) for seq in range(100)).encode()
    influx_http.write(database, body)
    reader = TelemetryReader(influx_http, database)
    window = reader.window(Device.ROCKET, "m1", start=T0 + 2.0, end=T0 + 3.0)
    assert [s.fields["seq"] for s in window] == list(range(21, 31))


def cache_bytes(http: InfluxHttp, database: str) -> int:
    return InfluxStore(http, InfluxSettings(flight_db=database)).cache_bytes(database)


def test_latest_window_cost_does_not_grow_with_history(
    influx_http: InfluxHttp, database: str
) -> None:
    """10 k vs 1 M stored points: the 2-second window query should take about the same time."""
    reader = TelemetryReader(influx_http, database)
    timings: dict[int, float] = {}
    stored = 0
    for total in (10_000, 1_000_000):
        for start in range(stored, total, 50_000):
            stop = min(total, start + 50_000)
            lines = (
                f"rocket,mission=m1,source=rocket altitude={s}.0,seq={s}i "
                f"{timestamp_ns(T0 + s / 10)}"
                for s in range(start, stop)
            )
            influx_http.write(database, "\n".join(lines).encode())
        stored = total
        # A mission's history is in TSM files, not in the write cache a bulk load fills: wait
        # for influxd to snapshot it, as it does for a real mission's older data.
        wait_for(lambda: cache_bytes(influx_http, database) == 0, 60, "the cache snapshot")
        now = T0 + (total - 1) / 10
        reader.window(Device.ROCKET, "m1", now - 2, now)  # warm the cache the same way
        began = time.perf_counter()
        for _ in range(20):
            window = reader.window(Device.ROCKET, "m1", now - 2, now)
        timings[total] = (time.perf_counter() - began) / 20
        assert len(window) == 20
    ratio = timings[1_000_000] / timings[10_000]
    print(
        f"\nlast-2-s window: {timings[10_000] * 1e3:.2f} ms at 10 k points, "
        f"{timings[1_000_000] * 1e3:.2f} ms at 1 M points (ratio {ratio:.2f})"
    )


def test_a_refused_batch_is_reported_and_the_writer_goes_on(
    influx_http: InfluxHttp, database: str
) -> None:
    refused: list[tuple[list[str], str]] = []
    done = threading.Event()
    writer = BatchWriter(
        influx_http,
        flush_interval=0.01,
        on_rejected=lambda lines, why: refused.append((lines, why)),
    )
    writer.start()
    writer.add(database, "rocket,mission=m1,source=rocket altitude=1.0 1")
    writer.flush()
    writer.add(database, 'rocket,mission=m1,source=rocket altitude="text" 2')  # type conflict
    writer.flush()
    writer.add(database, "rocket,mission=m1,source=rocket altitude=3.0 3", done.set)
    writer.stop()
    assert len(refused) == 1 and "field type conflict" in refused[0][1]
    assert done.is_set()
    assert writer.stats.written == 2


def test_writer_waits_out_an_influxd_outage(tmp_path: Path) -> None:
    server = LocalInfluxd(tmp_path / "influxd")
    server.start()
    settings = server.settings()
    http = InfluxHttp(settings.url, username=settings.username, password=settings.password)
    http.create_database("flight")
    acked: list[int] = []
    writer = BatchWriter(http, batch_size=100, flush_interval=0.01)
    writer.start()
    try:
        server.stop()
        for seq in range(500):
            writer.add(
                "flight", point_line(sample(Device.ROCKET, seq)), lambda s=seq: acked.append(s)
            )
        assert not writer.flush(timeout=1.0)
        assert acked == [], "nothing may be acknowledged before InfluxDB has it"
        server.start()
        assert writer.flush(timeout=30)
    finally:
        writer.stop()
        server.stop()
    assert sorted(acked) == list(range(500))
    assert writer.stats.retries > 0
    server.start()
    try:
        assert TelemetryReader(http, "flight").count(Device.ROCKET, "m1") == 500
    finally:
        server.stop()
        http.close()


def test_bad_query_is_refused_with_the_reason(influx_http: InfluxHttp, database: str) -> None:
    with pytest.raises(InfluxRejected, match="error parsing query"):
        influx_http.query("SELEC nonsense", database)
