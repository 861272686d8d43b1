"""Scenario files: which faults a flight meets, world-level (physics) and board-level (sensors).

A scenario is TOML::

    name = "explosion"
    description = "A hardware fault makes the rocket explode 30 s after lift-off."

    [[faults]]
    kind = "explosion"        # engine_failure | explosion | sensor_dropout | stuck_sensor
    at = 30.0                 # | noise_burst | line_corruption | board_reboot
    warning = 1.0

Times are seconds after lift-off (T+). Board faults name a ``device`` and last ``duration``
seconds; ``parameter`` narrows a dropout or a stuck sensor to one measurement. A
``pad_reading`` has no time: the board reports ``value`` for its ``parameter`` as long as the
vehicle waits on the pad (a cabin that does not hold its pressure, a tank not filled)::

    [[faults]]
    kind = "pad_reading"
    device = "rocket"
    parameter = "cabin_pressure"
    value = 65000.0

The weather the ground sees is the scenario's too: ``weather`` names one of the weather
service's built-in scripts (``calm`` unless said), played from the start of the mission.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from firmware_sim.physics.faults import Fault, explode, fail_engine
from marsy.protocol import BY_DEVICE, Device

SCENARIO_DIR = Path(__file__).with_name("scenarios")


class ScenarioError(ValueError):
    """A scenario file that cannot be read; the message names the file and the key."""


class _Fault(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    at: float = Field(ge=0.0)


class EngineFailure(_Fault):
    kind: Literal["engine_failure"]


class Explosion(_Fault):
    kind: Literal["explosion"]
    warning: float = Field(default=1.0, ge=0.0)


class _BoardFault(_Fault):
    device: Device
    duration: float = Field(gt=0.0)

    def active(self, t_plus: float | None) -> bool:
        return t_plus is not None and self.at <= t_plus < self.at + self.duration


class SensorDropout(_BoardFault):
    kind: Literal["sensor_dropout"]
    parameter: str | None = None
    """``None``: the whole board goes quiet (no telemetry frames)."""


class StuckSensor(_BoardFault):
    kind: Literal["stuck_sensor"]
    parameter: str


class NoiseBurst(_BoardFault):
    kind: Literal["noise_burst"]
    factor: float = Field(default=20.0, gt=1.0)


class LineCorruption(_BoardFault):
    kind: Literal["line_corruption"]
    rate: float = Field(default=0.05, gt=0.0, le=1.0)
    """Fraction of the bytes sent that are replaced by garbage."""


class BoardReboot(_BoardFault):
    kind: Literal["board_reboot"]


class PadReading(BaseModel):
    """A reading off its nominal value while the vehicle is on the pad (before lift-off)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["pad_reading"]
    device: Device
    parameter: str
    value: float

    def active(self, t_plus: float | None) -> bool:
        return t_plus is None


BoardFault = SensorDropout | StuckSensor | NoiseBurst | LineCorruption | BoardReboot | PadReading
AnyFault = Annotated[
    EngineFailure | Explosion | BoardFault,
    Field(discriminator="kind"),
]


class Scenario(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9_-]{1,40}$")
    description: str = ""
    weather: str = Field(default="calm", pattern=r"^[a-z0-9_-]{1,40}$")
    """The weather service's built-in script this mission meets at the pad."""
    faults: tuple[AnyFault, ...] = ()

    @model_validator(mode="after")
    def _parameters_exist(self) -> Scenario:
        for fault in self.faults:
            if not isinstance(fault, SensorDropout | StuckSensor | PadReading):
                continue
            if fault.parameter is None:
                continue
            known = BY_DEVICE[fault.device].get(fault.parameter)
            if known is None:
                raise ValueError(
                    f"{fault.kind}: {fault.device} has no parameter {fault.parameter!r}"
                )
            if isinstance(fault, PadReading) and not (
                known.valid_min <= fault.value <= known.valid_max
            ):
                raise ValueError(
                    f"{fault.kind}: {fault.value:g} is outside what {known.key} can read "
                    f"({known.valid_min:g} to {known.valid_max:g} {known.unit})"
                )
        return self

    def world_faults(self) -> list[Fault]:
        """The physics faults, for :meth:`World.schedule_fault`."""
        faults: list[Fault] = []
        for fault in self.faults:
            if isinstance(fault, EngineFailure):
                faults.append(fail_engine(fault.at))
            elif isinstance(fault, Explosion):
                faults.append(explode(fault.at, fault.warning))
        return faults

    def board_faults(self, device: Device) -> list[BoardFault]:
        return [
            f
            for f in self.faults
            if not isinstance(f, EngineFailure | Explosion) and f.device is device
        ]


def bundled_scenarios() -> list[str]:
    return sorted(path.stem for path in SCENARIO_DIR.glob("*.toml"))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A bundled scenario by name (``nominal``, ``explosion``, ...) or a TOML file by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = SCENARIO_DIR / f"{name_or_path}.toml"
        if not path.exists():
            raise ScenarioError(
                f"no scenario {name_or_path!r}; bundled: {', '.join(bundled_scenarios())}"
            )
    try:
        data = tomllib.loads(path.read_text())
    except OSError as exc:
        raise ScenarioError(f"{path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: {exc}") from None
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "<file>"
        raise ScenarioError(f"{path}: {where}: {first['msg']}") from None
