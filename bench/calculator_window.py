"""Calculator cycle time with 1 minute vs 1 hour of mission data in InfluxDB (10 Hz x 4 devices).

Writes a mission's telemetry into a private influxd (every dictionary parameter of every device,
at 10 Hz), times evaluation cycles at the end of the first minute, then fills the store to a
full hour and times them again at its end. Goal: the hour's cycle <= 1.5 x the minute's.

    .venv/bin/python bench/calculator_window.py
    .venv/bin/python bench/calculator_window.py --smoke      # 10 s vs 1 minute, 3 cycles
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from devservers import LocalInfluxd
from ground.calculator.evaluator import Evaluator
from marsy.protocol import (
    Device,
    FlightPhase,
    ValueType,
    measurement,
    parameters_of,
)
from marsy.settings import InfluxSettings
from marsy.store import InfluxStore, connect_store, database_for, point_line

T0 = 1_800_000_000.0
RATE = 10
MISSION = "bench-calc"


def lines(start: int, stop: int) -> list[str]:
    """Samples ``start..stop`` (10 Hz) of every device, every parameter (mid-range values)."""
    out = []
    for device in Device:
        values = {
            p.name: int(p.valid_min) if p.type is ValueType.INT else (p.valid_min + p.valid_max) / 2
            for p in parameters_of(device)
        }
        for seq in range(start, stop):
            common = {
                "mission_id": MISSION,
                "source": str(device),
                "seq": seq,
                "ts": T0 + seq / RATE,
                "phase": FlightPhase.ORBIT,
                "values": values,
            }
            out.append(point_line(measurement(device, astronaut="Thomas", **common)))
    return out


def wait_for_snapshot(store: InfluxStore) -> None:
    """Let influxd move the bulk load out of its write cache, as a real mission's history is."""
    for _ in range(600):
        if store.cache_bytes() == 0:
            return
        time.sleep(0.1)


def time_cycles(calc: Evaluator, at: float, repeats: int = 30) -> float:
    calc.evaluate(at)  # warm up
    samples = []
    for i in range(repeats):
        began = time.perf_counter()
        calc.evaluate(at + i * 0.001)
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a few seconds, small numbers")
    smoke = parser.parse_args().smoke
    short, long = (10, 60) if smoke else (60, 3600)  # mission seconds stored
    repeats = 3 if smoke else 30
    settings = InfluxSettings()
    with (
        tempfile.TemporaryDirectory(prefix="marsy-bench-") as tmp,
        LocalInfluxd(Path(tmp) / "db") as db,
    ):
        store = connect_store(db.settings())  # the admin: it writes the history and reads it
        calc = Evaluator(dict.fromkeys(Device, store), lambda alert: None)
        calc.start_mission(MISSION)

        def fill(start: int, stop: int) -> None:
            for chunk in range(start, stop, 3000):
                for device_lines, device in _split(lines(chunk, min(stop, chunk + 3000))):
                    store.write(database_for(device, settings), device_lines)

        minute, hour = short * RATE, long * RATE
        fill(0, minute)
        wait_for_snapshot(store)
        at_minute = time_cycles(calc, T0 + short, repeats)
        fill(minute, hour)
        wait_for_snapshot(store)
        at_hour = time_cycles(calc, T0 + long, repeats)
        store.close()
    points = hour * len(Device)
    print(f"calculator cycle (4 devices, last {calc.window:g} s each, limits + rates + signal):")
    print(f"  after {short:>4} s ({minute * len(Device):>7} points): {at_minute * 1e3:6.2f} ms")
    print(f"  after {long:>4} s ({points:>7} points): {at_hour * 1e3:6.2f} ms")
    print(f"  ratio {long} s / {short} s = {at_hour / at_minute:.2f}   (goal <= 1.5)")


def _split(all_lines: list[str]) -> list[tuple[list[str], Device]]:
    by_device: dict[Device, list[str]] = {}
    for line in all_lines:
        by_device.setdefault(Device(line.split(",", 1)[0]), []).append(line)
    return [(v, k) for k, v in by_device.items()]


if __name__ == "__main__":
    main()
