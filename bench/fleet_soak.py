"""Fleet soak: M simulated vehicles through the whole ground for a long while, figures per minute.

Everything real: a private Mosquitto and influxd, and ``marsy serve`` telemetry (``--workers N``),
payload, calculator and command as processes. M vehicles, each its own mission, send what their
four agents send: every dictionary parameter of the rocket, booster, satellite and suit at
10 Hz (QoS 1, numbered per mission and device from 0), and a ``DeviceHealth`` every 5 s; 25
vehicles make 1,000 telemetry messages a second. Vehicle 1's mission is the one in flight
(a retained ``MissionStatus``, as Command would say it), which the calculator judges every 2 s.
The vehicles publish under the four device logins, so the recorders' per-source budget (a flood
defence for one vehicle's devices) is raised to twice what M vehicles send.

Printed per interval (a minute by default): the messages sent a second; the ingest lag (how far
behind the newest stored sample is, from the telemetry and payload recorders' /health, sampled
every second) at p99; the calculator's cycle time at p99 (each cycle's own duration); the
resident memory of every process (MB); and the missing numbers in the delivery ledgers (holes
between what arrived). At the end, after the recorders drain: what was sent and never stored,
and the last interval against the first (goal: lag, cycle and every RSS <= 1.2 x, 0 missing).

    .venv/bin/python bench/fleet_soak.py [--vehicles 25] [--minutes 10] [--workers 1]
    .venv/bin/python bench/fleet_soak.py --smoke      # 5 vehicles, 30 s in 10-s intervals
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devservers import LocalInfluxd, LocalMosquitto, free_port
from marsy.mqtt import MqttBus, MqttError, Pending
from marsy.protocol import (
    Device,
    DeviceHealth,
    FlightPhase,
    MissionState,
    MissionStatus,
    Service,
    ValueType,
    measurement,
    parameters_of,
)

RATE_HZ = 10.0
HEALTH_EVERY = 5.0
GROUND = ("telemetry", "payload", "calculator", "command")
FLAT = 1.2


def mission_of(vehicle: int) -> str:
    return f"SOAK-{vehicle:04d}"


def nominal(device: Device) -> dict[str, float | int | bool]:
    """A quiet reading of every parameter: the middle of its valid range (on, for a flag)."""
    values: dict[str, float | int | bool] = {}
    for p in parameters_of(device):
        if p.type is ValueType.BOOL:
            values[p.name] = True
        elif p.type is ValueType.INT:
            values[p.name] = int((p.valid_min + p.valid_max) // 2)
        else:
            values[p.name] = (p.valid_min + p.valid_max) / 2
    return values


class Fleet:
    """M vehicles' agents: one connection per device login, every vehicle's samples on it."""

    def __init__(self, broker: LocalMosquitto, vehicles: int) -> None:
        self.vehicles = vehicles
        self.buses = {
            device: MqttBus(broker.settings_for(str(device), publish_timeout=60))
            for device in Device
        }
        self.values = {device: nominal(device) for device in Device}
        self.sent = 0
        self.seqs = {device: 0 for device in Device}
        self.failed = 0
        self.late = 0
        """Ticks that could not be sent in their 100 ms (the fleet fell behind)."""
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._fly, args=(device,), daemon=True, name=str(device))
            for device in Device
        ]

    def start(self) -> None:
        for bus in self.buses.values():
            bus.start()
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        for thread in self._threads:
            thread.join(30)
        for bus in self.buses.values():
            bus.stop(timeout=5)

    def _fly(self, device: Device) -> None:
        bus = self.buses[device]
        pending: list[Pending] = []
        period = 1 / RATE_HZ
        began = time.monotonic()
        tick = 0
        while not self._stop.is_set():
            seq = tick
            now = time.time()
            for vehicle in range(self.vehicles):
                sample = measurement(
                    device,
                    astronaut="Thomas",
                    mission_id=mission_of(vehicle),
                    source=str(device),
                    seq=seq,
                    ts=now,
                    phase=FlightPhase.ORBIT,
                    values=self.values[device],
                )
                pending.append(bus.publish_message(sample))
            if tick % int(HEALTH_EVERY * RATE_HZ) == 0:
                for vehicle in range(self.vehicles):
                    beat = DeviceHealth(
                        mission_id=mission_of(vehicle),
                        source=str(device),
                        seq=tick,
                        ts=now,
                        device=device,
                        uptime=now - began,
                        frames_ok=tick,
                        frames_bad=0,
                        queue_depth=0,
                        dropped=0,
                        reconnects=0,
                        board_online=True,
                    )
                    pending.append(bus.publish_message(beat))
            tick += 1
            self.seqs[device] = tick
            self.sent += self.vehicles
            pending = self._settle(pending)
            delay = began + tick * period - time.monotonic()
            if delay < 0:
                self.late += 1
            elif self._stop.wait(delay):
                break
        for p in pending:
            try:
                p.wait(60)
            except MqttError:
                self.failed += 1

    def _settle(self, pending: list[Pending]) -> list[Pending]:
        waiting = []
        for p in pending:
            if not p.is_done():
                waiting.append(p)
                continue
            try:
                p.wait(0)
            except MqttError:
                self.failed += 1
        return waiting


@dataclass
class Ground:
    processes: dict[str, subprocess.Popen[bytes]]
    ports: dict[str, int]
    logs: Path

    def health(self, name: str) -> dict[str, Any] | None:
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.ports[name]}/health", timeout=5
            ) as r:
                data: dict[str, Any] = json.load(r)
                return data
        except (OSError, ValueError):
            return None

    def stop(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


def start_ground(
    broker: LocalMosquitto, influxd: LocalInfluxd, folder: Path, vehicles: int, workers: int
) -> Ground:
    influx = {**influxd.settings().model_dump(mode="json"), "password": influxd.password}
    per_source = 2 * vehicles * RATE_HZ
    processes, ports = {}, {}
    folder.mkdir(parents=True, exist_ok=True)
    for name in GROUND:
        ports[name] = free_port()
    for name in GROUND:
        mqtt = {
            **broker.settings_for(name).model_dump(mode="json"),
            "password": broker.passwords[name],
        }
        env = {
            **os.environ,
            "MARSY_GROUND_MQTT": json.dumps(mqtt),
            "MARSY_GROUND_INFLUX": json.dumps(influx),
            "MARSY_GROUND_STATE_DIR": str(folder / "state"),
            "MARSY_GROUND_HTTP_PORT": str(ports[name]),
            "MARSY_GROUND_LOG_LEVEL": "WARNING",
            "MARSY_GROUND_INGEST__SOURCE_RATE": str(per_source),
            "MARSY_GROUND_INGEST__SOURCE_BURST": str(int(max(10_000, 60 * per_source))),
            "MARSY_GROUND_SERVICES": json.dumps(
                {peer: f"http://127.0.0.1:{port}" for peer, port in ports.items() if peer != name}
                | {"weather": "http://127.0.0.1:9", "launchpad": "http://127.0.0.1:9"}
            ),
        }
        command = [sys.executable, "-m", "marsy_cli", "serve", name]
        if name == "telemetry" and workers > 1:
            command += ["--workers", str(workers)]
        with (folder / f"{name}.log").open("ab") as log:
            processes[name] = subprocess.Popen(command, env=env, stdout=log, stderr=log)
    ground = Ground(processes, ports, folder)
    deadline = time.monotonic() + 60
    for name in GROUND:
        while (h := ground.health(name)) is None or not h.get("connected", True):
            if processes[name].poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{name} did not start: see {folder / f'{name}.log'}")
            time.sleep(0.2)
    return ground


def fly_mission(broker: LocalMosquitto) -> None:
    """Vehicle 1's mission in flight, retained, as Command says it (a login of its role)."""
    bus = MqttBus(broker.settings_for(broker.add_login(Service.COMMAND, "soak")))
    bus.start()
    status = MissionStatus(
        mission_id=mission_of(0),
        source=str(Service.COMMAND),
        seq=1,
        ts=time.time(),
        state=MissionState.FLYING,
        phase=FlightPhase.ORBIT,
    )
    bus.publish_message(status).wait(10)
    bus.stop(timeout=2)


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def p99(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)]


def missing(health: dict[str, Any] | None) -> int:
    return sum(int(e["missing"]) for e in (health or {}).get("ledger", []))


@dataclass
class Interval:
    """What one interval saw."""

    sent: int = 0
    lags: list[float] = field(default_factory=list)
    cycles: list[float] = field(default_factory=list)
    rss: dict[str, list[float]] = field(default_factory=dict)
    missing: int = 0

    def figures(self, seconds: float) -> dict[str, Any]:
        return {
            "rate": self.sent / seconds,
            "lag_p99": p99(self.lags),
            "cycle_p99": p99(self.cycles),
            "rss": {name: max(values) for name, values in self.rss.items()},
            "missing": self.missing,
        }


class Sampler:
    """Every second: the recorders' lag, each new calculator cycle, every process's memory."""

    def __init__(
        self,
        ground: Ground,
        servers: dict[str, int | None],
        fleet: Fleet,
    ) -> None:
        self.ground = ground
        self.servers = servers
        self.fleet = fleet
        self.current = Interval()
        self._cycles_seen = 0
        self._sent = 0

    def pids(self, telemetry: dict[str, Any] | None) -> dict[str, int]:
        pids = {name: pid for name, pid in self.servers.items() if pid is not None}
        pids |= {name: p.pid for name, p in self.ground.processes.items()}
        for worker in (telemetry or {}).get("workers", []):
            if worker.get("pid"):
                pids[f"telemetry-{worker['index']}"] = worker["pid"]
        pids["fleet"] = os.getpid()
        return pids

    def sample(self) -> None:
        telemetry = self.ground.health("telemetry")
        payload = self.ground.health("payload")
        calculator = self.ground.health("calculator")
        interval = self.current
        for health in (telemetry, (payload or {}).get("storage")):
            if health and health.get("ingest_lag") is not None:
                interval.lags.append(float(health["ingest_lag"]))
        if calculator and calculator.get("cycles", 0) > self._cycles_seen:
            self._cycles_seen = calculator["cycles"]
            if calculator.get("last_duration") is not None:
                interval.cycles.append(float(calculator["last_duration"]))
        for name, pid in self.pids(telemetry).items():
            if (mb := rss_mb(pid)) is not None:
                interval.rss.setdefault(name, []).append(mb)
        interval.missing = missing(telemetry) + missing(payload)

    def close(self) -> Interval:
        done, self.current = self.current, Interval()
        done.sent, self._sent = self.fleet.sent - self._sent, self.fleet.sent
        return done


def fmt(value: float | None, scale: float = 1.0, digits: int = 0) -> str:
    return "-" if value is None else f"{value * scale:.{digits}f}"


def report_line(index: int, seconds: float, figures: dict[str, Any]) -> str:
    rss = " ".join(f"{name} {mb:.0f}" for name, mb in sorted(figures["rss"].items()))
    return (
        f"{index:3d} {seconds:6.0f}s  {figures['rate']:7.0f}/s  "
        f"lag p99 {fmt(figures['lag_p99'], 1000):>5} ms  "
        f"cycle p99 {fmt(figures['cycle_p99'], 1000, 1):>6} ms  "
        f"missing {figures['missing']}  RSS MB: {rss}"
    )


def drained(ground: Ground, fleet: Fleet, vehicles: int) -> tuple[int, int]:
    """(sent, stored) telemetry messages, from the recorders' ledgers."""
    stored = 0
    for name in ("telemetry", "payload"):
        for entry in (ground.health(name) or {}).get("ledger", []):
            if entry["mission_id"].startswith("SOAK-"):
                stored += int(entry["received"])
    sent = sum(fleet.seqs.values()) * vehicles
    return sent, stored


def median_row(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Each figure's median over several intervals (a noisy neighbour's minute weighs less)."""

    def median(values: list[float | None]) -> float | None:
        known = [v for v in values if v is not None]
        return statistics.median(known) if known else None

    names = {name for row in rows for name in row["rss"]}
    return {
        "lag_p99": median([row["lag_p99"] for row in rows]),
        "cycle_p99": median([row["cycle_p99"] for row in rows]),
        "rss": {name: median([row["rss"].get(name) for row in rows]) for name in names},
    }


def compare(first: dict[str, Any], last: dict[str, Any]) -> list[str]:
    lines, flat = [], True

    def ratio(label: str, a: float | None, b: float | None) -> None:
        nonlocal flat
        if a is None or b is None or a <= 0:
            lines.append(f"  {label}: {fmt(a, 1, 3)} -> {fmt(b, 1, 3)}")
            return
        flat = flat and b <= FLAT * a
        lines.append(f"  {label}: {a:.3f} -> {b:.3f}  ({b / a:.2f} x)")

    ratio("ingest lag p99 (s)", first["lag_p99"], last["lag_p99"])
    ratio("calculator cycle p99 (s)", first["cycle_p99"], last["cycle_p99"])
    for name in sorted(first["rss"]):
        ratio(f"RSS {name} (MB)", first["rss"][name], last["rss"].get(name))
    lines.append(f"  flat (last <= {FLAT} x first): {'yes' if flat else 'NO'}")
    return lines


def soak(vehicles: int, seconds: float, interval: float, workers: int, out: Path | None) -> None:
    with tempfile.TemporaryDirectory(prefix="marsy-soak-") as tmp:
        folder = Path(tmp)
        with (
            LocalMosquitto(folder / "mq") as broker,
            LocalInfluxd(folder / "db") as influxd,
        ):
            ground = start_ground(broker, influxd, folder / "ground", vehicles, workers)
            fleet = Fleet(broker, vehicles)
            try:
                fly_mission(broker)
                servers = {"mosquitto": broker.process.pid, "influxd": influxd.process.pid}
                sampler = Sampler(ground, servers, fleet)
                print(
                    f"{vehicles} vehicles x 4 devices x {RATE_HZ:g} Hz = "
                    f"{vehicles * 4 * RATE_HZ:,.0f} telemetry messages/s for {seconds:.0f} s, "
                    f"telemetry ingest x{workers}; per {interval:.0f} s:",
                    flush=True,
                )
                rows = run(fleet, sampler, seconds, interval, out)
                fleet.stop()
                sent, stored = wait_drained(ground, fleet, vehicles)
                final_missing = missing(ground.health("telemetry")) + missing(
                    ground.health("payload")
                )
            finally:
                fleet.stop()
                ground.stop()
    print(f"sent {sent:,} telemetry messages; stored {stored:,}; never stored {sent - stored:,}")
    print(
        f"ledger holes at the end: {final_missing}; publishes failed: {fleet.failed}; "
        f"ticks late: {fleet.late}"
    )
    if len(rows) >= 2:
        print("last interval against the first:")
        print("\n".join(compare(rows[0], rows[-1])))
    if len(rows) >= 20:
        edge = max(5, len(rows) // 10)
        print(f"median of the last {edge} intervals against the first {edge}'s:")
        print("\n".join(compare(median_row(rows[:edge]), median_row(rows[-edge:]))))
    if not rows or sent == 0:
        raise SystemExit("the soak measured nothing")


def run(
    fleet: Fleet, sampler: Sampler, seconds: float, interval: float, out: Path | None
) -> list[dict[str, Any]]:
    fleet.start()
    began = time.monotonic()
    rows: list[dict[str, Any]] = []
    next_close = began + interval
    while len(rows) < round(seconds / interval):
        now = time.monotonic()
        sampler.sample()
        if now >= next_close:
            figures = sampler.close().figures(interval)
            rows.append(figures)
            print(report_line(len(rows), now - began, figures), flush=True)
            if out is not None:
                with out.open("a") as sink:
                    sink.write(json.dumps({"t": round(now - began), **figures}) + "\n")
            next_close += interval
        time.sleep(max(0.0, 1.0 - (time.monotonic() - now)))
    return rows


def wait_drained(
    ground: Ground, fleet: Fleet, vehicles: int, timeout: float = 120
) -> tuple[int, int]:
    deadline = time.monotonic() + timeout
    while True:
        sent, stored = drained(ground, fleet, vehicles)
        if stored >= sent or time.monotonic() > deadline:
            return sent, stored
        time.sleep(1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vehicles", type=int, default=25)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--interval", type=float, default=60.0, help="seconds per line")
    parser.add_argument("--workers", type=int, default=1, help="telemetry ingest workers")
    parser.add_argument("--out", type=Path, default=None, help="append each line as JSON here")
    parser.add_argument("--smoke", action="store_true", help="5 vehicles, 30 s, 10-s lines")
    args = parser.parse_args()
    if args.smoke:
        soak(5, 30.0, 10.0, args.workers, args.out)
    else:
        soak(args.vehicles, args.minutes * 60, args.interval, args.workers, args.out)


if __name__ == "__main__":
    main()
