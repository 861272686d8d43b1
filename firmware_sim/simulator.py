"""Assembles a simulator: vehicle + scenario → world, one board per device, one port per board."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from firmware_sim.boards.board import SensorBoard
from firmware_sim.compare import (
    TIME_TOLERANCE,
    TOLERANCE,
    MarkError,
    compare,
    marks_of,
    read_flight,
    table,
    within,
    worst,
)
from firmware_sim.physics.autopilot import Autopilot
from firmware_sim.physics.events import WorldEvent
from firmware_sim.physics.world import World
from firmware_sim.ports import BoardPort, PtyPort, SerialPort
from firmware_sim.runner import FirmwareRunner
from firmware_sim.scenario import Scenario
from firmware_sim.trajectory import TrajectorySummary, fly
from firmware_sim.vehicles import RecoveryProfile, Vehicle, load_vehicle, with_recovery
from marsy.clock import MissionClock
from marsy.protocol import Device, EventType

FLYING_MARKER = "firmware-flying.json"
"""Written in the state folder at lift-off: a simulator that finds it was stopped mid-flight."""
LOST_DETAIL = "vehicle lost: simulator restarted"


def mark_flying(state: Path, epoch: float, t: float) -> None:
    """Leave word in ``state`` that this simulation's vehicle has lifted off."""
    state.mkdir(parents=True, exist_ok=True)
    marker = state / FLYING_MARKER
    partial = marker.with_suffix(".tmp")
    partial.write_text(json.dumps({"epoch": epoch, "liftoff": t}))
    partial.replace(marker)


def was_flying(state: Path, epoch: float | None) -> bool:
    """Whether a simulator of this simulation (same ``epoch``, or any if none is given) was
    stopped after lift-off with ``state`` as its folder; a marker of another simulation is
    stale and says nothing."""
    try:
        marker = json.loads((state / FLYING_MARKER).read_text())
    except (OSError, ValueError):
        return False
    return epoch is None or marker.get("epoch") == epoch


@dataclass
class Simulator:
    world: World
    boards: dict[Device, SensorBoard]
    runner: FirmwareRunner
    lost: bool = False
    """Started again after its vehicle had lifted off: the flight cannot be resumed."""

    def fly(self, stop: threading.Event, until: Callable[[World], bool] | None = None) -> None:
        """Fly the world, or say on the rocket's line that a restart lost the vehicle."""
        if self.lost:
            self.runner.report_lost(LOST_DETAIL, stop)
        else:
            self.runner.run(stop, until)


def vehicle_for(vehicle: str | Path, recovery: str | None = None) -> Vehicle:
    """A bundled vehicle or a vehicle file, flying ``recovery`` in place of its own if given."""
    model = load_vehicle(vehicle)
    return model if recovery is None else with_recovery(model, recovery)


def build_world(
    vehicle: str | Path,
    scenario: Scenario,
    *,
    seed: int = 0,
    autopilot: bool = False,
    recovery: str | None = None,
) -> World:
    model = vehicle_for(vehicle, recovery)
    world = World(model, seed=seed, autopilot=Autopilot() if autopilot else None)
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
    recovery: str | None = None,
    state: Path | None = None,
) -> Simulator:
    """Everything but the loop: call ``fly`` (or ``runner.run``) to fly.

    ``epoch`` is the wall time at which mission time starts (the same value every process of a
    simulation gets); the world's zero is that instant, or now if the simulator starts later (a
    new vehicle on the pad of a simulation that has already flown one).

    ``state`` is the vehicle's state folder: lift-off is marked there, and a simulator that
    finds the mark of its own simulation was restarted mid-flight, so it reports the vehicle
    lost instead of putting a fresh rocket back on the pad.
    """
    unknown = set(real_ports or {}) - {str(d) for d in Device}
    if unknown:
        raise ValueError(f"no board named {sorted(unknown)[0]!r}")
    clock = MissionClock(epoch=time.time() if epoch is None else epoch, warp=warp)
    world = build_world(vehicle, scenario, seed=seed, autopilot=autopilot, recovery=recovery)
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
    if state is None:
        return Simulator(world, boards, runner)
    lost = was_flying(state, epoch)
    if not lost:
        runner.on_event = _liftoff_marker(state, clock.epoch)
    return Simulator(world, boards, runner, lost=lost)


def _liftoff_marker(state: Path, epoch: float) -> Callable[[WorldEvent], None]:
    def on_event(event: WorldEvent) -> None:
        if event.event is EventType.LIFTOFF:
            mark_flying(state, epoch, event.t)

    return on_event


@dataclass(frozen=True)
class Comparison:
    text: str
    """What ``marsy firmware --compare`` prints."""
    errors: tuple[MarkError, ...]
    summary: TrajectorySummary

    @property
    def within(self) -> bool:
        return within(self.errors)


def compare_headless(
    vehicle: str | Path,
    reference: str | Path,
    *,
    recovery: str | None = None,
    seed: int = 0,
    plot: Path | None = None,
) -> Comparison:
    """Fly ``vehicle`` headless and read it against a recorded flight at the standard marks."""
    recorded = read_flight(reference)
    model = vehicle_for(vehicle, recovery)
    summary = fly(model, None, seed=seed, until=recorded.track.times[-1])
    rec_marks = marks_of(recorded.track)
    sim_marks = marks_of(summary.first_stage)
    errors = tuple(compare(rec_marks, sim_marks))
    lines = [f"{model.name}, recovery {model.recovery}, against {recorded.name}:"]
    lines += [f"  # {note}" for note in recorded.notes]
    lines += table(errors)
    if summary.booster_touchdown_downrange is not None:
        lines.append(
            f"booster down {summary.booster_touchdown_downrange / 1000:.2f} km from the pad "
            f"at {summary.booster_touchdown_speed or 0.0:.1f} m/s"
        )
    elif model.recovery is not RecoveryProfile.EXPENDABLE:
        lines.append("booster lost")
    off = [e for e in errors if not e.within]
    lines.append(
        f"all marks within {TOLERANCE:g} % ({TIME_TOLERANCE:g} s for times); "
        f"worst {worst(errors):.1f} %"
        if not off
        else f"{len(off)} mark(s) outside {TOLERANCE:g} % ({TIME_TOLERANCE:g} s for times)"
    )
    if plot is not None:
        from firmware_sim.compare_plot import plot_comparison

        plot_comparison(
            plot,
            f"{model.name} ({model.recovery}) against {recorded.name}",
            (f"{recorded.name} (recorded)", recorded.track, rec_marks),
            (f"{model.name} (simulated)", summary.first_stage, sim_marks),
        )
        lines.append(f"plot written to {plot}")
    return Comparison("\n".join(lines), errors, summary)


def fly_headless(
    vehicle: str | Path,
    scenario: Scenario,
    *,
    seed: int = 0,
    out: Path,
    recovery: str | None = None,
) -> str:
    """Fly as fast as possible with the autopilot, write the true trajectory, describe it."""
    model = vehicle_for(vehicle, recovery)
    summary = fly(model, out, seed=seed, faults=scenario.world_faults())
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
        ("booster from the pad", summary.booster_touchdown_downrange, "m"),
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
