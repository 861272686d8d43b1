"""Assembles a simulator: vehicle + scenario → world, one board per device, one port per board."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from firmware_sim.boards.board import SensorBoard
from firmware_sim.physics.autopilot import Autopilot
from firmware_sim.physics.world import World
from firmware_sim.ports import BoardPort, PtyPort, SerialPort
from firmware_sim.runner import FirmwareRunner
from firmware_sim.scenario import Scenario
from firmware_sim.trajectory import fly
from firmware_sim.vehicles import load_vehicle
from marsy.clock import MissionClock
from marsy.protocol import Device, EventType


@dataclass
class Simulator:
    world: World
    boards: dict[Device, SensorBoard]
    runner: FirmwareRunner


def build_world(
    vehicle: str | Path, scenario: Scenario, *, seed: int = 0, autopilot: bool = False
) -> World:
    world = World(load_vehicle(vehicle), seed=seed, autopilot=Autopilot() if autopilot else None)
    for fault in scenario.world_faults():
        world.schedule_fault(fault)
    return world


def build_simulator(
    vehicle: str | Path,
    scenario: Scenario,
    *,
    seed: int = 0,
    warp: float = 1.0,
    rate: float = 10.0,
    epoch: float | None = None,
    real_ports: Mapping[str, str] | None = None,
    autopilot: bool = False,
) -> Simulator:
    """Everything but the loop: call ``runner.run`` to fly.

    ``epoch`` is the wall time at which mission time starts (the same value every process of a
    simulation gets); the world's zero is that instant, or now if the simulator starts later (a
    new vehicle on the pad of a simulation that has already flown one).
    """
    unknown = set(real_ports or {}) - {str(d) for d in Device}
    if unknown:
        raise ValueError(f"no board named {sorted(unknown)[0]!r}")
    clock = MissionClock(epoch=time.time() if epoch is None else epoch, warp=warp)
    world = build_world(vehicle, scenario, seed=seed, autopilot=autopilot)
    start = max(clock.epoch, clock.now())
    boards = {
        device: SensorBoard(
            device,
            world,
            time_origin=start,
            rate_hz=rate,
            seed=seed,
            faults=scenario.board_faults(device),
        )
        for device in Device
    }
    ports: dict[Device, BoardPort] = {}
    for device in Device:
        url = (real_ports or {}).get(str(device))
        ports[device] = SerialPort(url) if url else PtyPort()
    runner = FirmwareRunner(world, boards, ports, clock, start=start)
    return Simulator(world, boards, runner)


def fly_headless(vehicle: str | Path, scenario: Scenario, *, seed: int = 0, out: Path) -> str:
    """Fly as fast as possible with the autopilot, write the true trajectory, describe it."""
    summary = fly(vehicle, out, seed=seed, faults=scenario.world_faults())
    lines = [f"{summary.vehicle}: {scenario.name}, {summary.duration:.0f} s after lift-off"]
    for label, value, unit in (
        ("max-q", summary.max_q, "Pa"),
        ("max-q at T+", summary.max_q_time, "s"),
        ("max-q altitude", summary.max_q_altitude, "m"),
        ("MECO at T+", summary.meco_time, "s"),
        ("separation at T+", summary.separation_time, "s"),
        ("SECO at T+", summary.seco_time, "s"),
        ("insertion altitude", summary.insertion_altitude, "m"),
        ("insertion inertial speed", summary.insertion_inertial_speed, "m/s"),
        ("apoapsis", summary.apoapsis, "m"),
        ("periapsis", summary.periapsis, "m"),
        ("booster touchdown", summary.booster_touchdown_speed, "m/s"),
        ("capsule touchdown", summary.capsule_touchdown_speed, "m/s"),
    ):
        if value is not None:
            lines.append(f"  {label:<26}{value:12.1f} {unit}")
    liftoff = next((e.t for e in summary.events if e.event is EventType.LIFTOFF), 0.0)
    lines += [
        f"  T{e.t - liftoff:+9.1f}s  {e.device:<9} {e.event}: {e.detail}" for e in summary.events
    ]
    lines.append(f"trajectory written to {out}")
    return "\n".join(lines)
