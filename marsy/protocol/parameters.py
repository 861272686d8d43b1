"""The parameter dictionary: every measured quantity of every device, defined once.

Each :class:`Parameter` gives the name, SI unit, value type, the valid (physically possible)
range and yellow/red limits per flight phase. The serial frame layout, the message validation,
the InfluxDB fields, the calculator's limits and the dashboards all derive from this table; none
of them keeps a list of its own. Keep the order stable: it is the order of fields in a frame.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, model_validator

from marsy.protocol.enums import Device, FlightPhase, Severity


class ValueType(StrEnum):
    FLOAT = "float"
    INT = "int"
    BOOL = "bool"


Value = float | int | bool
_FLOAT = ValueType.FLOAT


class Limits(BaseModel):
    """Yellow and red bounds; a value beyond a red bound is red, beyond a yellow one yellow."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    yellow_low: float | None = None
    yellow_high: float | None = None
    red_low: float | None = None
    red_high: float | None = None

    @model_validator(mode="after")
    def _red_outside_yellow(self) -> Limits:
        if None not in (self.red_low, self.yellow_low) and self.red_low > self.yellow_low:  # type: ignore[operator]
            raise ValueError("red_low must not be above yellow_low")
        if None not in (self.red_high, self.yellow_high) and self.red_high < self.yellow_high:  # type: ignore[operator]
            raise ValueError("red_high must not be below yellow_high")
        return self

    def classify(self, value: float) -> tuple[Severity, float | None]:
        """Severity of ``value`` and the bound it crossed (``None`` when nominal)."""
        for severity, low, high in (
            (Severity.RED, self.red_low, self.red_high),
            (Severity.YELLOW, self.yellow_low, self.yellow_high),
        ):
            if low is not None and value < low:
                return severity, low
            if high is not None and value > high:
                return severity, high
        return Severity.NOMINAL, None


class Parameter(BaseModel):
    """One measured quantity of one device."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    device: Device
    name: str
    unit: str
    """SI unit symbol, UCUM style: ``m``, ``m/s``, ``Pa``, ``K``, ``Cel``, ``%``, ``1``."""
    type: ValueType = ValueType.FLOAT
    valid_min: float
    valid_max: float
    description: str
    limits: Mapping[FlightPhase, Limits] = MappingProxyType({})
    """Limits by phase; phases not listed fall back to ``default_limits``."""
    default_limits: Limits | None = None
    resolution: float = 0.0
    """Smallest step the sensor board reports (0 = full float precision)."""
    symbol: str | None = None
    """How people write the unit where the SI symbol says nothing (``g`` for a g-load, whose
    SI unit is the plain number ``1``); ``None`` reads the unit as it is."""

    @model_validator(mode="after")
    def _range_ordered(self) -> Parameter:
        if self.valid_min >= self.valid_max:
            raise ValueError(f"{self.name}: valid_min must be below valid_max")
        return self

    def __hash__(self) -> int:  # the limits mapping is not hashable; the key is unique
        return hash(self.key)

    @property
    def key(self) -> str:
        return f"{self.device}.{self.name}"

    @property
    def shown_unit(self) -> str:
        """The unit as people read it: the symbol where one is set, else the SI unit."""
        return self.symbol or self.unit

    def limits_for(self, phase: FlightPhase) -> Limits | None:
        return self.limits.get(phase, self.default_limits)

    def classify(self, phase: FlightPhase, value: float) -> tuple[Severity, float | None]:
        """Severity of ``value`` in ``phase`` and the bound it crossed."""
        limits = self.limits_for(phase)
        if limits is None:
            return Severity.NOMINAL, None
        return limits.classify(float(value))


_POWERED = (FlightPhase.ASCENT, FlightPhase.MAX_Q, FlightPhase.UPPER_STAGE)


def _p(
    device: Device,
    name: str,
    unit: str,
    valid: tuple[float, float],
    description: str,
    *,
    type: ValueType = ValueType.FLOAT,
    default: Limits | None = None,
    by_phase: Mapping[FlightPhase, Limits] | None = None,
    resolution: float = 0.0,
    symbol: str | None = None,
) -> Parameter:
    return Parameter(
        device=device,
        name=name,
        unit=unit,
        type=type,
        valid_min=valid[0],
        valid_max=valid[1],
        description=description,
        default_limits=default,
        limits=MappingProxyType(dict(by_phase or {})),
        resolution=resolution,
        symbol=symbol,
    )


def _same(limits: Limits, *phases: FlightPhase) -> dict[FlightPhase, Limits]:
    return dict.fromkeys(phases, limits)


_R, _B, _S, _U = Device.ROCKET, Device.BOOSTER, Device.SATELLITE, Device.SUIT

# Altitudes are above the mean Earth radius; an orbit's periapsis may be "below ground"
# (a suborbital trajectory), down to the Earth's centre.
_ALT = (-1_000.0, 5.0e7)
_APSIS = (-6.4e6, 5.0e8)
_SPEED = (0.0, 2.0e4)

PARAMETERS: tuple[Parameter, ...] = (
    # --- rocket: the upper stage with the crew capsule; it carries the stack until staging.
    _p(_R, "altitude", "m", _ALT, "height above mean sea level", resolution=0.1),
    _p(_R, "velocity", "m/s", _SPEED, "speed relative to the rotating Earth", resolution=0.01),
    _p(
        _R,
        "inertial_velocity",
        "m/s",
        _SPEED,
        "speed in the Earth-centred inertial frame",
        resolution=0.01,
    ),
    _p(_R, "vertical_speed", "m/s", (-2.0e4, 2.0e4), "rate of climb", resolution=0.01),
    _p(_R, "downrange", "m", (0.0, 4.1e7), "ground distance from the pad", resolution=1.0),
    _p(
        _R,
        "acceleration",
        "m/s2",
        (0.0, 500.0),
        "sensed (proper) acceleration magnitude",
        resolution=0.01,
        by_phase=_same(Limits(yellow_high=45.0, red_high=60.0), *_POWERED),
    ),
    _p(
        _R,
        "dynamic_pressure",
        "Pa",
        (0.0, 2.0e5),
        "aerodynamic pressure q = rho v^2 / 2",
        resolution=1.0,
        by_phase=_same(Limits(yellow_high=40_000.0, red_high=50_000.0), *_POWERED),
    ),
    _p(_R, "mach", "1", (0.0, 50.0), "speed over the local speed of sound", resolution=0.001),
    _p(_R, "throttle", "%", (0.0, 100.0), "commanded engine throttle", resolution=0.1),
    _p(_R, "fuel_stage1", "%", (0.0, 100.0), "first-stage propellant remaining", resolution=0.01),
    _p(_R, "fuel_stage2", "%", (0.0, 100.0), "second-stage propellant remaining", resolution=0.01),
    _p(_R, "mass", "kg", (0.0, 2.0e6), "mass of the body the board rides on", resolution=1.0),
    _p(
        _R,
        "chamber_pressure",
        "Pa",
        (0.0, 3.0e7),
        "combustion chamber pressure",
        resolution=1000.0,
        by_phase=_same(
            Limits(yellow_low=3.0e6, red_low=1.5e6, yellow_high=1.1e7, red_high=1.3e7), *_POWERED
        ),
    ),
    _p(
        _R,
        "engine_temperature",
        "K",
        (0.0, 4000.0),
        "turbopump turbine inlet temperature",
        resolution=0.1,
        by_phase=_same(Limits(yellow_high=1050.0, red_high=1200.0), *_POWERED),
    ),
    _p(
        _R,
        "cabin_pressure",
        "Pa",
        (0.0, 2.0e5),
        "crew cabin pressure",
        resolution=10.0,
        default=Limits(
            yellow_low=90_000.0, red_low=70_000.0, yellow_high=110_000.0, red_high=115_000.0
        ),
    ),
    _p(_R, "apoapsis", "m", _APSIS, "highest altitude of the current orbit", resolution=1.0),
    _p(_R, "periapsis", "m", _APSIS, "lowest altitude of the current orbit", resolution=1.0),
    _p(_R, "engines_running", "1", (0.0, 40.0), "engines burning", type=ValueType.INT),
    # --- booster: the first stage, on its own after separation.
    _p(_B, "altitude", "m", _ALT, "height above mean sea level", resolution=0.1),
    _p(_B, "velocity", "m/s", _SPEED, "speed relative to the rotating Earth", resolution=0.01),
    _p(
        _B,
        "vertical_speed",
        "m/s",
        (-2.0e4, 2.0e4),
        "rate of climb",
        resolution=0.01,
        by_phase={FlightPhase.LANDED: Limits(yellow_low=-4.0, red_low=-8.0)},
    ),
    _p(_B, "downrange", "m", (0.0, 4.1e7), "ground distance from the pad", resolution=1.0),
    _p(
        _B,
        "acceleration",
        "m/s2",
        (0.0, 500.0),
        "sensed (proper) acceleration magnitude",
        resolution=0.01,
    ),
    _p(
        _B,
        "dynamic_pressure",
        "Pa",
        (0.0, 2.0e5),
        "aerodynamic pressure",
        resolution=1.0,
        by_phase={FlightPhase.REENTRY: Limits(yellow_high=60_000.0, red_high=80_000.0)},
    ),
    _p(_B, "throttle", "%", (0.0, 100.0), "engine throttle", resolution=0.1),
    _p(
        _B,
        "fuel",
        "%",
        (0.0, 100.0),
        "propellant remaining",
        resolution=0.01,
        by_phase=_same(Limits(yellow_low=1.0, red_low=0.2), FlightPhase.COAST, FlightPhase.REENTRY),
    ),
    _p(
        _B,
        "engine_temperature",
        "K",
        (0.0, 4000.0),
        "turbopump turbine inlet temperature",
        resolution=0.1,
    ),
    _p(_B, "engines_running", "1", (0.0, 40.0), "engines burning", type=ValueType.INT),
    # --- satellite: the payload, after detach. Stored apart, in the payload database.
    _p(_S, "altitude", "m", _ALT, "height above mean sea level", resolution=1.0),
    _p(_S, "inertial_velocity", "m/s", _SPEED, "orbital speed", resolution=0.01),
    _p(_S, "apoapsis", "m", _APSIS, "highest altitude of the orbit", resolution=1.0),
    _p(
        _S,
        "periapsis",
        "m",
        _APSIS,
        "lowest altitude of the orbit",
        resolution=1.0,
        by_phase={FlightPhase.ORBIT: Limits(yellow_low=180_000.0, red_low=140_000.0)},
    ),
    _p(
        _S,
        "battery",
        "%",
        (0.0, 100.0),
        "battery state of charge",
        resolution=0.1,
        default=Limits(yellow_low=30.0, red_low=15.0),
    ),
    _p(
        _S,
        "temperature",
        "Cel",
        (-150.0, 150.0),
        "bus temperature",
        resolution=0.1,
        default=Limits(yellow_low=-20.0, red_low=-40.0, yellow_high=50.0, red_high=70.0),
    ),
    _p(_S, "solar_power", "W", (0.0, 20_000.0), "power from the solar arrays", resolution=0.1),
    # --- suit: the astronaut's vital signs and suit state, streamed whatever happens.
    _p(
        _U,
        "heart_rate",
        "/min",
        (0.0, 300.0),
        "heart beats per minute",
        resolution=1.0,
        default=Limits(yellow_low=45.0, red_low=35.0, yellow_high=150.0, red_high=185.0),
    ),
    _p(
        _U,
        "breathing_rate",
        "/min",
        (0.0, 100.0),
        "breaths per minute",
        resolution=0.1,
        default=Limits(yellow_low=8.0, red_low=5.0, yellow_high=32.0, red_high=45.0),
    ),
    _p(
        _U,
        "spo2",
        "%",
        (0.0, 100.0),
        "blood oxygen saturation",
        resolution=0.1,
        default=Limits(yellow_low=92.0, red_low=85.0),
    ),
    _p(
        _U,
        "body_temperature",
        "Cel",
        (20.0, 46.0),
        "core body temperature",
        resolution=0.01,
        default=Limits(yellow_low=35.5, red_low=34.5, yellow_high=38.3, red_high=39.5),
    ),
    _p(
        _U,
        "suit_pressure",
        "Pa",
        (0.0, 2.0e5),
        "pressure inside the suit",
        resolution=10.0,
        default=Limits(yellow_low=30_000.0, red_low=25_000.0),
    ),
    _p(
        _U,
        "g_load",
        "1",
        (-20.0, 50.0),
        "sensed acceleration in standard gravities",
        resolution=0.01,
        symbol="g",
        default=Limits(yellow_high=5.0, red_high=8.0),
        by_phase=_same(
            Limits(yellow_high=10.0, red_high=15.0),
            FlightPhase.ABORT,
            FlightPhase.PARACHUTES,
            FlightPhase.LANDED,
        ),
    ),
    _p(
        _U,
        "altitude",
        "m",
        _ALT,
        "height of the astronaut: the rocket's until ejection, then the capsule's",
        resolution=0.1,
    ),
    _p(
        _U,
        "vertical_speed",
        "m/s",
        (-2.0e4, 2.0e4),
        "rate of climb of the astronaut's vehicle",
        resolution=0.01,
    ),
)


def _index() -> Mapping[Device, Mapping[str, Parameter]]:
    table: dict[Device, dict[str, Parameter]] = {device: {} for device in Device}
    for parameter in PARAMETERS:
        if parameter.name in table[parameter.device]:
            raise RuntimeError(f"parameter {parameter.key} defined twice")
        table[parameter.device][parameter.name] = parameter
    return MappingProxyType({d: MappingProxyType(p) for d, p in table.items()})


BY_DEVICE: Mapping[Device, Mapping[str, Parameter]] = _index()


def parameters_of(device: Device) -> tuple[Parameter, ...]:
    """The device's parameters in dictionary (and frame) order."""
    return tuple(BY_DEVICE[device].values())


def parameter(device: Device, name: str) -> Parameter:
    """Look one parameter up; ``KeyError`` names it when the device does not measure it.

    Code that relies on a parameter takes it here once, as a module-level constant
    (``FUEL = parameter(Device.ROCKET, "fuel_stage1")``, then ``values.get(FUEL.name)``): a
    misspelt name then fails when the module is imported, not mid-flight as a value that is
    never there.
    """
    try:
        return BY_DEVICE[device][name]
    except KeyError:
        raise KeyError(f"{device} has no parameter {name!r}") from None


def names_of(device: Device, *names: str) -> tuple[str, ...]:
    """``names``, each checked with :func:`parameter` (``KeyError`` for one the device does not
    measure): a module-level list of parameter names that cannot hold a typo."""
    return tuple(parameter(device, name).name for name in names)


def values_for(device: Device, **values: float) -> dict[str, float]:
    """Values keyed by parameter name, each name checked with :func:`parameter`:
    ``values_for(Device.ROCKET, altitude=12_000.0)``."""
    return {parameter(device, name).name: value for name, value in values.items()}


def coerce_value(param: Parameter, value: object) -> Value:
    """Check a raw value against the parameter's type and valid range and return it typed.

    Raises ``ValueError`` with a reason a person can act on. Booleans are never numbers here:
    ``True`` for a float parameter is a type error, not ``1.0``.
    """
    # The common case, checked first (every sample's values pass here): a finite float in range
    # is itself. NaN fails the range, infinity the subtraction: both take the full path below.
    if (
        type(value) is float
        and param.type is _FLOAT
        and param.valid_min <= value <= param.valid_max
        and value - value == 0.0
    ):
        return value
    if param.type is ValueType.BOOL:
        if not isinstance(value, bool):
            raise ValueError(f"expected a boolean, got {type(value).__name__}")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {type(value).__name__}")
    if param.type is ValueType.INT:
        if isinstance(value, float) and not value.is_integer():
            raise ValueError(f"expected an integer, got {value!r}")
        typed: Value = int(value)
    else:
        typed = float(value)
        if not math.isfinite(typed):
            raise ValueError("expected a finite number")
    if not param.valid_min <= typed <= param.valid_max:
        raise ValueError(
            f"{typed!r} {param.unit} outside the valid range "
            f"[{param.valid_min:g}, {param.valid_max:g}]"
        )
    return typed
