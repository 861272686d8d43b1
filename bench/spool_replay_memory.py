"""Ingest peak memory while replaying a disk spool of 100 k and of 1 million points.

Fills the telemetry service's spool as an InfluxDB outage would, then starts ``marsy serve
telemetry`` against a running influxd: it replays the spool in order. The process's resident
memory is sampled from /proc until the spool is empty. Goal: the peak does not grow with the
size of the spool.

    .venv/bin/python bench/spool_replay_memory.py
    .venv/bin/python bench/spool_replay_memory.py --smoke      # 2 k and 20 k points
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from devservers import LocalInfluxd, LocalMosquitto, free_port
from marsy.protocol import Device, DeviceTelemetry, FlightPhase
from marsy.store.schema import point_line
from marsy.store.spool import Spool

T0 = 1_800_000_000.0


def fill(spool: Spool, count: int) -> None:
    template = point_line(
        DeviceTelemetry(
            mission_id="bench-spool",
            source="rocket",
            seq=0,
            ts=T0,
            device=Device.ROCKET,
            phase=FlightPhase.ASCENT,
            values={"altitude": 1.0, "velocity": 2.0, "mach": 0.5},
        )
    )
    head, _, _ = template.rpartition(" ")
    head = head.replace("seq=0i", "seq={}i")
    for start in range(0, count, 10_000):
        spool.append(
            "flight",
            [
                f"{head.format(seq)} {int((T0 + seq / 10) * 1e9)}"
                for seq in range(start, min(count, start + 10_000))
            ],
        )


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def replay(
    broker: LocalMosquitto, influxd: LocalInfluxd, state: Path, count: int
) -> tuple[float, float]:
    spool = Spool(state / "telemetry" / "spool")
    fill(spool, count)
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
        "MARSY_GROUND_HTTP_PORT": str(free_port()),
        "MARSY_GROUND_LOG_LEVEL": "WARNING",
    }
    began = time.perf_counter()
    ingest = subprocess.Popen([sys.executable, "-m", "marsy_cli", "serve", "telemetry"], env=env)
    peak = 0.0
    try:
        while spool.pending() or not peak:
            peak = max(peak, rss_mb(ingest.pid))
            time.sleep(0.05)
        elapsed = time.perf_counter() - began
    finally:
        ingest.terminate()
        ingest.wait(20)
    return peak, count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a few seconds, small numbers")
    small, large = (2_000, 20_000) if parser.parse_args().smoke else (100_000, 1_000_000)
    results = {}
    with (
        tempfile.TemporaryDirectory(prefix="marsy-bench-") as tmp,
        LocalMosquitto(Path(tmp) / "mq") as broker,
        LocalInfluxd(Path(tmp) / "db") as db,
    ):
        for count in (small, large):
            results[count] = replay(broker, db, Path(tmp) / f"state-{count}", count)
    print("telemetry ingest replaying its disk spool into influxd:")
    for count, (peak, rate) in results.items():
        print(
            f"  {count:>9,} points: peak resident memory {peak:6.1f} MB, "
            f"replayed at {rate:8.0f} points/s"
        )
    ratio = results[large][0] / results[small][0]
    print(f"  peak ratio {large:,} / {small:,} = {ratio:.2f}   (goal: bounded, about 1)")


if __name__ == "__main__":
    main()
