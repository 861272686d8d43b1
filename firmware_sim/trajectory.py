"""Headless flight: fly a vehicle with the autopilot as fast as possible and export the truth.

The CSV has one row per body flying (or at rest) per output step, like RocketPy or OpenRocket
exports; the summary gives the milestones a flight is judged by.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from firmware_sim.compare import Track
from firmware_sim.physics import (
    Autopilot,
    AutopilotConfig,
    BodyName,
    BodySnapshot,
    Fault,
    World,
    WorldEvent,
)
from firmware_sim.vehicles import Vehicle, load_vehicle
from marsy.protocol.enums import Device, EventType, FlightPhase

CSV_COLUMNS = (
    "time_s",
    "body",
    "phase",
    "altitude_m",
    "downrange_m",
    "velocity_m_s",
    "inertial_velocity_m_s",
    "vertical_speed_m_s",
    "acceleration_m_s2",
    "dynamic_pressure_pa",
    "mach",
    "mass_kg",
    "throttle_pct",
)
"""``time_s`` is seconds since lift-off (negative on the pad); velocity is Earth-relative."""

RESOLUTION = 0.1
"""s between the samples the summary is taken from (finer than any output step)."""
_ASCENT = (FlightPhase.ASCENT, FlightPhase.MAX_Q)


@dataclass(frozen=True)
class TrajectorySummary:
    """Milestones of one flight; times are seconds after lift-off, ``None`` if never reached."""

    vehicle: str
    duration: float
    """s after lift-off when the flight stopped."""
    max_q: float | None = None
    """Pa."""
    max_q_time: float | None = None
    max_q_altitude: float | None = None
    meco_time: float | None = None
    separation_time: float | None = None
    seco_time: float | None = None
    insertion_altitude: float | None = None
    insertion_inertial_speed: float | None = None
    apoapsis: float | None = None
    periapsis: float | None = None
    booster_touchdown_speed: float | None = None
    booster_touchdown_downrange: float | None = None
    """m along the ground from the pad to where the booster came to rest."""
    capsule_touchdown_speed: float | None = None
    events: tuple[WorldEvent, ...] = field(default=(), repr=False)
    first_stage: Track = field(default=Track((), (), ()), repr=False)
    """The first stage every ``RESOLUTION`` s: the stack until separation, then the booster."""


@dataclass
class _Tracker:
    max_q: float = 0.0
    max_q_time: float | None = None
    max_q_altitude: float | None = None
    insertion: tuple[float, float, float, float] | None = None
    events: list[WorldEvent] = field(default_factory=list)
    first_stage: list[tuple[float, float, float]] = field(default_factory=list)

    def first(self, event: EventType) -> WorldEvent | None:
        return next((e for e in self.events if e.event is event), None)


def fly(
    vehicle: Vehicle | str | Path,
    out: Path | TextIO | None = None,
    *,
    seed: int = 0,
    step: float = 1.0,
    autopilot: AutopilotConfig | None = None,
    faults: Sequence[Fault] = (),
    until: float | None = None,
    max_time: float = 7_200.0,
) -> TrajectorySummary:
    """Fly ``vehicle`` headless and write its true trajectory to ``out`` (a path or text file).

    The flight runs until every body has settled (orbit reached and payload released, booster
    and capsule on the ground or lost) and, if given, until T+``until`` s; never beyond
    ``max_time`` s of world time. ``step`` is the CSV output step.
    """
    if not (math.isfinite(step) and step > 0.0):
        raise ValueError(f"step must be a positive number of seconds, got {step!r}")
    model = vehicle if isinstance(vehicle, Vehicle) else load_vehicle(vehicle)
    config = autopilot or AutopilotConfig()
    world = World(model, seed=seed, autopilot=Autopilot(config))
    for fault in faults:
        world.schedule_fault(fault)
    if isinstance(out, Path):
        with out.open("w", newline="") as handle:
            tracker = _run(world, config, handle, step, until, max_time)
    else:
        tracker = _run(world, config, out, step, until, max_time)
    return _summary(world, model, tracker)


def _run(
    world: World,
    config: AutopilotConfig,
    out: TextIO | None,
    step: float,
    until: float | None,
    max_time: float,
) -> _Tracker:
    writer = csv.writer(out) if out is not None else None
    if writer is not None:
        writer.writerow(CSV_COLUMNS)
    tracker = _Tracker()
    next_row = 0.0
    while world.t < max_time:
        if world.t + 1e-9 >= next_row:
            next_row += step
            if writer is not None:
                origin = world.liftoff_time
                t_plus = world.t - (origin if origin is not None else config.ignite_at)
                writer.writerows(_row(t_plus, snap) for snap in world.snapshot())
            if _settled(world, config) and _past(world, until):
                break
        world.step(RESOLUTION)
        tracker.events.extend(world.pop_events())
        _track(world, tracker)
    return tracker


def _row(t_plus: float, snap: BodySnapshot) -> list[str]:
    return [
        f"{round(t_plus, 6) + 0.0:.2f}",
        snap.body.value,
        snap.phase.value,
        f"{snap.altitude:.1f}",
        f"{snap.downrange:.1f}",
        f"{snap.speed:.2f}",
        f"{snap.inertial_speed:.2f}",
        f"{snap.vertical_speed:.2f}",
        f"{snap.acceleration:.3f}",
        f"{snap.dynamic_pressure:.1f}",
        f"{snap.mach:.3f}",
        f"{snap.mass:.1f}",
        f"{snap.throttle:.1f}",
    ]


def _track(world: World, tracker: _Tracker) -> None:
    liftoff = world.liftoff_time
    if liftoff is None:
        return
    t_plus = world.t - liftoff
    _track_first_stage(world, tracker, t_plus)
    if not world.active(Device.ROCKET):
        return
    if world.phase(Device.ROCKET) in _ASCENT:
        rocket = next(s for s in world.snapshot() if s.body is BodyName.ROCKET)
        if rocket.dynamic_pressure > tracker.max_q:
            tracker.max_q = rocket.dynamic_pressure
            tracker.max_q_time, tracker.max_q_altitude = t_plus, rocket.altitude
    if tracker.insertion is None and tracker.first(EventType.SECO) is not None:
        truth = world.truth(Device.ROCKET)
        tracker.insertion = (
            float(truth["altitude"]),
            float(truth["inertial_velocity"]),
            float(truth["apoapsis"]),
            float(truth["periapsis"]),
        )


def _track_first_stage(world: World, tracker: _Tracker, t_plus: float) -> None:
    """The stack while the stages are together, the booster once it flies alone."""
    staged = any(e.event is EventType.STAGE_SEPARATION for e in tracker.events)
    body = BodyName.BOOSTER if staged else BodyName.ROCKET
    if staged and world.phase(Device.BOOSTER) in (FlightPhase.LANDED, FlightPhase.DESTROYED):
        return
    snap = next((s for s in world.snapshot() if s.body is body), None)
    if snap is not None:
        tracker.first_stage.append((t_plus, snap.altitude, snap.speed))


def _settled(world: World, config: AutopilotConfig) -> bool:
    """Nothing left to happen: each body in orbit with its payload out, down, or gone."""
    rocket = world.phase(Device.ROCKET)
    if rocket is FlightPhase.ORBIT:
        if config.detach and not world.active(Device.SATELLITE):
            return False
    elif rocket is not FlightPhase.DESTROYED:
        return False
    if world.active(Device.BOOSTER) and world.phase(Device.BOOSTER) is not FlightPhase.LANDED:
        return False
    suit = world.phase(Device.SUIT)
    return suit in (FlightPhase.LANDED, FlightPhase.DESTROYED, FlightPhase.ORBIT)


def _past(world: World, until: float | None) -> bool:
    if until is None:
        return True
    liftoff = world.liftoff_time
    return liftoff is not None and world.t - liftoff >= until


def _summary(world: World, vehicle: Vehicle, tracker: _Tracker) -> TrajectorySummary:
    liftoff = world.liftoff_time

    def when(event: EventType) -> float | None:
        found = tracker.first(event)
        return None if found is None or liftoff is None else found.t - liftoff

    insertion = tracker.insertion
    booster = next((s for s in world.snapshot() if s.body is BodyName.BOOSTER), None)
    landed = world.touchdown_speed(BodyName.BOOSTER)
    stage = tracker.first_stage
    return TrajectorySummary(
        vehicle=vehicle.name,
        duration=world.t - (liftoff if liftoff is not None else 0.0),
        max_q=tracker.max_q if tracker.max_q_time is not None else None,
        max_q_time=tracker.max_q_time,
        max_q_altitude=tracker.max_q_altitude,
        meco_time=when(EventType.MECO),
        separation_time=when(EventType.STAGE_SEPARATION),
        seco_time=when(EventType.SECO),
        insertion_altitude=insertion[0] if insertion else None,
        insertion_inertial_speed=insertion[1] if insertion else None,
        apoapsis=insertion[2] if insertion else None,
        periapsis=insertion[3] if insertion else None,
        booster_touchdown_speed=landed,
        booster_touchdown_downrange=(
            booster.downrange if booster is not None and landed is not None else None
        ),
        capsule_touchdown_speed=world.touchdown_speed(BodyName.CAPSULE),
        events=tuple(tracker.events),
        first_stage=Track(
            tuple(row[0] for row in stage),
            tuple(row[1] for row in stage),
            tuple(row[2] for row in stage),
        ),
    )
