"""Engines: thrust and mass flow against ambient pressure, throttle, chamber and turbine state."""

from __future__ import annotations

import math
from dataclasses import dataclass

from firmware_sim.physics.atmosphere import P0
from firmware_sim.physics.earth import G0
from firmware_sim.vehicles import Engine

AMBIENT_ENGINE_TEMPERATURE = 290.0
"""K an engine bay settles at when its engines are off."""
SPIN_UP_TIME = 1.5
"""s, turbine temperature time constant while burning."""
COOL_DOWN_TIME = 90.0
"""s, turbine temperature time constant once shut down."""
IDLE_SHARE = 0.55
"""Share of the full-throttle temperature rise already present at the deepest throttle."""
SETTLED = 1e-3
"""K: closer than this to its steady state, a turbine temperature is left alone."""
OVERHEAT = 1.3
"""Turbine temperature, as a multiple of nominal, an engine heads for before it explodes."""


@dataclass(frozen=True, slots=True)
class Motor:
    """Thrust and Isp of one engine at sea level and in vacuum: all the dynamics need."""

    thrust_sl: float
    thrust_vac: float
    isp_sl: float
    isp_vac: float

    @classmethod
    def of(cls, engine: Engine) -> Motor:
        thrust_sl, isp_sl = engine.sea_level
        return cls(thrust_sl, engine.thrust_vac, isp_sl, engine.isp_vac)

    def thrust_and_flow(self, pressure: float) -> tuple[float, float]:
        """Thrust (N) and mass flow (kg/s) of one engine at full throttle at ``pressure``.

        Both thrust and Isp fall linearly from their vacuum values with ambient pressure
        (``thrust = vac - (vac - sl) * p / p0``); the flow is thrust over exhaust velocity.
        """
        x = pressure / P0
        thrust = max(0.0, self.thrust_vac - (self.thrust_vac - self.thrust_sl) * x)
        isp = max(1.0, self.isp_vac - (self.isp_vac - self.isp_sl) * x)
        return thrust, thrust / (isp * G0)


class EngineBay:
    """The engines of one body: how many burn, at which throttle, and how hot their turbines run.

    ``throttle`` is the fraction of full thrust actually applied (the flight computer's
    decision); the dynamics read ``running`` and ``throttle`` every derivative evaluation.
    """

    __slots__ = (
        "_overheat",
        "chamber_nominal",
        "failed",
        "installed",
        "min_throttle",
        "motor",
        "running",
        "temperature",
        "throttle",
        "turbine_nominal",
    )

    def __init__(
        self,
        motor: Motor,
        installed: int,
        *,
        min_throttle: float = 1.0,
        chamber_nominal: float = 0.0,
        turbine_nominal: float = AMBIENT_ENGINE_TEMPERATURE,
        temperature: float = AMBIENT_ENGINE_TEMPERATURE,
    ) -> None:
        self.motor = motor
        self.installed = installed
        self.min_throttle = min_throttle
        self.chamber_nominal = chamber_nominal
        self.turbine_nominal = turbine_nominal
        self.temperature = temperature
        self.running = 0
        self.throttle = 0.0
        self.failed = False
        self._overheat = False

    @classmethod
    def of(cls, engine: Engine, installed: int) -> EngineBay:
        return cls(
            Motor.of(engine),
            installed,
            min_throttle=engine.min_throttle / 100.0,
            chamber_nominal=engine.chamber_pressure,
            turbine_nominal=engine.turbine_temperature,
        )

    def burn(self, engines: int, throttle: float) -> None:
        """Run ``engines`` engines at ``throttle`` (clamped to what the engines can do)."""
        if self.failed or engines <= 0:
            self.cut()
            return
        self.running = min(engines, self.installed)
        self.throttle = min(1.0, max(self.min_throttle, throttle))

    def cut(self) -> None:
        self.running = 0
        self.throttle = 0.0

    def fail(self) -> None:
        """Every engine of the bay is lost for good."""
        self.failed = True
        self.cut()

    def overheat(self) -> None:
        """The turbines run away toward destruction (the precursor of an explosion)."""
        self._overheat = True

    def max_flow(self) -> float:
        """kg/s the burning engines can draw at most, whatever the ambient pressure.

        Flow is a ratio of two functions linear in pressure, so its extremes are at sea level
        or in vacuum; 1 % covers the air below sea level.
        """
        sea_level = self.motor.thrust_sl / (self.motor.isp_sl * G0)
        vacuum = self.motor.thrust_vac / (self.motor.isp_vac * G0)
        return 1.01 * max(sea_level, vacuum) * self.running * self.throttle

    def chamber_pressure(self) -> float:
        return self.chamber_nominal * self.throttle if self.running else 0.0

    def cool_or_heat(self, dt: float) -> None:
        """First-order turbine temperature toward the running (or cold) steady state."""
        if self.running:
            rise = self.turbine_nominal - AMBIENT_ENGINE_TEMPERATURE
            share = IDLE_SHARE + (1.0 - IDLE_SHARE) * self.throttle
            target = AMBIENT_ENGINE_TEMPERATURE + rise * share
            tau = SPIN_UP_TIME
        else:
            target, tau = AMBIENT_ENGINE_TEMPERATURE, COOL_DOWN_TIME
        if self._overheat:
            target, tau = self.turbine_nominal * OVERHEAT, SPIN_UP_TIME
        gap = target - self.temperature
        if abs(gap) > SETTLED:
            self.temperature += gap * (1.0 - math.exp(-dt / tau))
