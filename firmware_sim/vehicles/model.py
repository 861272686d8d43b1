"""What a vehicle file says: frozen pydantic models, SI units, percentages for throttle and fuel.

The flight model reads nothing else about a vehicle, so one file fully defines a profile.
"""

from __future__ import annotations

from enum import StrEnum
from itertools import pairwise
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

Positive = Annotated[float, Field(gt=0.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Percent = Annotated[float, Field(gt=0.0, le=100.0)]


def _check_cd_table(table: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
    if not table:
        raise ValueError("needs at least one [mach, cd] point")
    machs = [mach for mach, _ in table]
    if machs[0] < 0.0 or any(b <= a for a, b in pairwise(machs)):
        raise ValueError("Mach numbers must start at >= 0 and increase strictly")
    if any(cd <= 0.0 for _, cd in table):
        raise ValueError("every Cd must be positive")
    return table


CdTable = Annotated[tuple[tuple[float, float], ...], AfterValidator(_check_cd_table)]
"""Drag coefficient against Mach, as ``[[mach, cd], ...]``; linear in between, flat outside."""


def _check_program(table: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
    if not table:
        raise ValueError("needs at least one [t_plus, pitch] point")
    times = [t for t, _ in table]
    if times[0] < 0.0 or any(b <= a for a, b in pairwise(times)):
        raise ValueError("times must start at >= 0 and increase strictly")
    if any(not 0.0 <= pitch <= 90.0 for _, pitch in table):
        raise ValueError("every pitch must be within 0-90 deg above the horizon")
    return table


PitchProgram = Annotated[tuple[tuple[float, float], ...], AfterValidator(_check_program)]
"""Thrust pitch (deg above the horizon) against T+ (s), as ``[[t_plus, pitch], ...]``."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Engine(_Model):
    """One engine; a stage multiplies it by its engine count."""

    name: str
    thrust_vac: Positive
    """N in vacuum."""
    isp_vac: Positive
    """s in vacuum."""
    thrust_sl: Positive | None = None
    """N at sea-level ambient pressure; omitted for a vacuum engine never lit in the air."""
    isp_sl: Positive | None = None
    """s at sea level; omitted together with ``thrust_sl``."""
    min_throttle: Percent
    """Deepest throttle the engine sustains, % of full thrust."""
    chamber_pressure: Positive
    """Pa at full throttle."""
    turbine_temperature: Positive
    """K at the turbine inlet at full throttle."""

    @model_validator(mode="after")
    def _vacuum_not_below_sea_level(self) -> Engine:
        if (self.thrust_sl is None) != (self.isp_sl is None):
            raise ValueError("give both thrust_sl and isp_sl, or neither (vacuum engine)")
        if self.thrust_sl is not None and self.thrust_vac < self.thrust_sl:
            raise ValueError("thrust_vac must not be below thrust_sl")
        if self.isp_sl is not None and self.isp_vac < self.isp_sl:
            raise ValueError("isp_vac must not be below isp_sl")
        return self

    @property
    def sea_level(self) -> tuple[float, float]:
        """(thrust N, Isp s) at sea level; a vacuum engine is taken at its vacuum rating."""
        if self.thrust_sl is None or self.isp_sl is None:
            return self.thrust_vac, self.isp_vac
        return self.thrust_sl, self.isp_sl


class Stage(_Model):
    dry_mass: Positive
    """kg without propellant."""
    propellant_mass: Positive
    """kg loaded."""
    engines: Annotated[int, Field(ge=1, le=40)]
    engine: Engine
    max_acceleration: Positive | None = None
    """m/s2: the flight computer throttles down to stay below it (crew comfort); none = no limit."""


class Ascent(_Model):
    """The onboard ascent flight computer: gravity turn, Max-Q bucket, cut-offs, target orbit."""

    pitch_kick_time: NonNegative
    """s after lift-off when the vertical rise ends."""
    pitch_kick_angle: Annotated[float, Field(gt=0.0, lt=45.0)]
    """deg from the vertical, toward the east."""
    pitch_kick_duration: Positive
    """s to rotate to the kick angle; then the vehicle follows its velocity vector."""
    max_q_throttle_down: Positive
    """Pa of dynamic pressure at which the bucket starts."""
    max_q_bucket: Percent
    """% throttle held through Max-Q."""
    max_q_throttle_up: Positive
    """Pa, once past the peak, at which the climb throttle returns."""
    pitch_program: PitchProgram | None = None
    """Thrust pitch against time after the kick, in place of the gravity turn; the thrust
    stays within ``max_q_alpha`` of the velocity while the air pushes hard."""
    rtls_loft: Annotated[float, Field(ge=0.0, lt=45.0)] = 0.0
    """deg added to the pitch program after the bucket when the booster returns to the launch
    site: a lofted ascent, cut off higher and slower, nearer home."""
    max_q_alpha: Positive = 100_000.0
    """Pa deg: the largest angle between thrust and velocity is this over the dynamic
    pressure (the structure's q-alpha limit)."""
    climb_throttle: Percent = 100.0
    """% throttle flown from the end of the bucket to MECO."""
    upper_ignition_delay: NonNegative
    """s from stage separation to upper-stage ignition."""
    target_altitude: Positive
    """m, circular orbit the upper stage inserts into."""
    orbit_min_periapsis: Positive
    """m: a periapsis at least this high counts as orbit."""
    stack_cd: CdTable
    upper_stage_cd: CdTable

    @model_validator(mode="after")
    def _bucket_ordered(self) -> Ascent:
        if self.max_q_throttle_up >= self.max_q_throttle_down:
            raise ValueError("max_q_throttle_up must be below max_q_throttle_down")
        if self.orbit_min_periapsis > self.target_altitude:
            raise ValueError("orbit_min_periapsis must not exceed target_altitude")
        return self


class RecoveryProfile(StrEnum):
    """Where the booster comes down, which sets what it keeps at MECO and how it flies home."""

    RTLS = "rtls"
    """Return to the launch site: boostback burn, entry burn, landing burn on a pad near the
    launch pad."""
    ASDS = "asds"
    """A drone ship downrange, where the booster's ballistic arc ends: entry and landing burns."""
    EXPENDABLE = "expendable"
    """No recovery: the first stage burns to depletion and falls into the sea."""


class Booster(_Model):
    """The booster's own flight home: what it keeps at MECO, boostback, entry and landing."""

    reserve_rtls: Annotated[float, Field(gt=0.0, lt=100.0)] | None = None
    """% of first-stage propellant left at MECO for a return to the launch site."""
    reserve_asds: Annotated[float, Field(gt=0.0, lt=100.0)] | None = None
    """% of first-stage propellant left at MECO for a drone-ship landing."""
    boostback_delay: NonNegative = 0.0
    """s from stage separation to boostback ignition (the flip)."""
    boostback_engines: Annotated[int, Field(ge=1)] = 1
    boostback_pitch: Annotated[float, Field(gt=-45.0, lt=45.0)] = 0.0
    """deg above the horizon (below when negative) the boostback thrust points, toward the
    launch site."""
    entry_burn_altitude: Positive
    """m: the entry burn starts when descending through it."""
    entry_burn_engines: Annotated[int, Field(ge=1)]
    entry_burn_end_speed: Positive
    """m/s Earth-relative at which the entry burn stops."""
    landing_engines: Annotated[int, Field(ge=1)]
    landing_margin: Annotated[float, Field(gt=0.0, le=1.0)]
    """Share of the landing engines' deceleration the burn plans on; the rest is control margin."""
    touchdown_speed: Positive
    """m/s aimed for at touchdown."""
    max_touchdown_speed: Positive
    """m/s: any faster is a crash."""
    cd: CdTable
    """Falling engines first, legs and fins out."""

    def reserve(self, profile: RecoveryProfile) -> float:
        """% of first-stage propellant the ascent keeps at MECO for ``profile`` (0: none)."""
        if profile is RecoveryProfile.RTLS:
            return self.reserve_rtls or 0.0
        if profile is RecoveryProfile.ASDS:
            return self.reserve_asds or 0.0
        return 0.0


class Parachute(_Model):
    count: Annotated[int, Field(ge=1)]
    diameter: Positive
    """m, nominal canopy diameter."""
    cd: Positive
    """Drag coefficient on the nominal canopy area."""
    deploy_altitude: Positive
    """m: deploys when descending through it."""
    inflation_time: Positive
    """s from mortar fire to full canopy (reefing included)."""


class Capsule(_Model):
    mass: Positive
    """kg at touchdown: capsule, crew, consumables."""
    abort_propellant: Positive
    """kg burnt by the abort motor."""
    abort_thrust: Positive
    """N, all abort engines."""
    abort_isp: Positive
    """s."""
    trunk_mass: NonNegative
    """kg left on the upper stage when the capsule ejects."""
    diameter: Positive
    cd: CdTable
    cabin_pressure: Positive
    """Pa kept in the cabin."""
    drogue: Parachute
    main: Parachute

    @model_validator(mode="after")
    def _drogue_above_main(self) -> Capsule:
        if self.drogue.deploy_altitude <= self.main.deploy_altitude:
            raise ValueError("drogue.deploy_altitude must be above main.deploy_altitude")
        return self


class Satellite(_Model):
    mass: Positive
    area: Positive
    """m2 of drag reference area."""
    cd: Positive
    separation_speed: NonNegative
    """m/s given by the separation springs, along the velocity."""
    array_power: Positive
    """W from the solar arrays in full sun."""
    array_deploy_delay: NonNegative
    """s after detach until the arrays are out."""
    load: Positive
    """W drawn by the bus."""
    battery_capacity: Positive
    """Wh."""
    battery_initial: Percent
    temperature_sunlit: float
    """Cel the bus settles at in sunlight."""
    temperature_eclipse: float
    """Cel the bus settles at in eclipse."""
    temperature_initial: float
    """Cel at detach."""
    thermal_time_constant: Positive
    """s."""
    sun_angle: float
    """deg: direction of the Sun in the equatorial plane, from where the pad is at world start."""


class Vehicle(_Model):
    name: str
    diameter: Positive
    """m: reference area of the stack, the upper stage and the booster."""
    stage1: Stage
    stage2: Stage
    recovery: RecoveryProfile
    """Where the booster comes down (``booster`` says how)."""
    ascent: Ascent
    booster: Booster
    capsule: Capsule
    satellite: Satellite

    @model_validator(mode="after")
    def _consistent(self) -> Vehicle:
        engines = self.stage1.engines
        booster = self.booster
        for key in ("boostback_engines", "entry_burn_engines", "landing_engines"):
            if getattr(booster, key) > engines:
                raise ValueError(f"booster.{key} exceeds stage1.engines")
        if self.recovery is not RecoveryProfile.EXPENDABLE and not booster.reserve(self.recovery):
            raise ValueError(f"booster.reserve_{self.recovery} is needed to fly {self.recovery}")
        if self.ascent.max_q_bucket < self.stage1.engine.min_throttle:
            raise ValueError("ascent.max_q_bucket is below stage1.engine.min_throttle")
        if booster.touchdown_speed >= booster.max_touchdown_speed:
            raise ValueError("booster.touchdown_speed must be below max_touchdown_speed")
        return self
