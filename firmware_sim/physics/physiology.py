"""The astronaut's vital signs: first-order responses to stress and g-load, small seeded noise.

Stress (0 calm .. 1 fight-or-flight) follows the situation with a time constant, jumps on
shocks (ejection, parachute openings, an explosion warning) and drives heart and breathing
rates; sustained g lowers SpO2 and raises both rates. Each vital then relaxes toward its
target, plus an Ornstein-Uhlenbeck wobble drawn from the world's own ``random.Random``.
"""

from __future__ import annotations

import math
import random
from enum import Enum

UPDATE = 0.1
"""s between physiology updates (fixed, whatever the caller's step)."""


class Situation(Enum):
    """What the astronaut is going through; sets the stress the body settles toward."""

    WAITING = 0.35
    POWERED = 0.6
    COASTING = 0.45
    ORBIT = 0.25
    ABORT = 0.9
    PARACHUTES = 0.55
    LANDED = 0.3
    LOST = 0.0


REST_HEART = 68.0
REST_BREATHING = 13.0
REST_SPO2 = 98.5
REST_TEMPERATURE = 36.8
HEART_PER_STRESS = 70.0
"""/min of heart rate added by full stress."""
BREATHING_PER_STRESS = 14.0


class _Wobble:
    """Mean-reverting noise with standard deviation ``sigma`` and correlation time ``tau``."""

    def __init__(self, sigma: float, tau: float) -> None:
        self.sigma, self.tau, self.value = sigma, tau, 0.0

    def step(self, dt: float, rng: random.Random) -> float:
        decay = math.exp(-dt / self.tau)
        self.value = self.value * decay + self.sigma * math.sqrt(1.0 - decay * decay) * rng.gauss()
        return self.value


class Astronaut:
    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self.stress = Situation.WAITING.value
        self._heart = REST_HEART + HEART_PER_STRESS * self.stress
        self._breathing = REST_BREATHING + BREATHING_PER_STRESS * self.stress
        self._spo2 = REST_SPO2
        self._temperature = REST_TEMPERATURE
        self._wobble = (
            _Wobble(2.0, 8.0),
            _Wobble(0.6, 6.0),
            _Wobble(0.2, 20.0),
            _Wobble(0.02, 120.0),
        )

    def shock(self, level: float) -> None:
        """A sudden fright: stress jumps to at least ``level``."""
        self.stress = max(self.stress, min(1.0, level))

    def update(self, dt: float, situation: Situation, g_load: float) -> None:
        """Advance ``dt`` seconds of physiology under ``situation`` and ``g_load`` (g)."""
        if situation is Situation.LOST:
            return
        self.stress += (situation.value - self.stress) * (1.0 - math.exp(-dt / 45.0))
        strain = max(0.0, g_load - 1.0)
        heavy = max(0.0, g_load - 3.0)
        self._heart = _relax(
            self._heart, REST_HEART + HEART_PER_STRESS * self.stress + 5.0 * strain, dt, 6.0
        )
        self._breathing = _relax(
            self._breathing,
            REST_BREATHING + BREATHING_PER_STRESS * self.stress + 2.0 * strain,
            dt,
            8.0,
        )
        self._spo2 = _relax(self._spo2, REST_SPO2 - 1.2 * heavy - 0.5 * self.stress, dt, 15.0)
        self._temperature = _relax(
            self._temperature, REST_TEMPERATURE + 0.6 * self.stress, dt, 900.0
        )
        for wobble in self._wobble:
            wobble.step(dt, self._rng)

    def vitals(self) -> tuple[float, float, float, float]:
        """Heart rate (/min), breathing rate (/min), SpO2 (%), core temperature (Cel)."""
        heart, breathing, spo2, temperature = (w.value for w in self._wobble)
        return (
            max(30.0, self._heart + heart),
            max(4.0, self._breathing + breathing),
            min(100.0, max(70.0, self._spo2 + spo2)),
            self._temperature + temperature,
        )


def _relax(value: float, target: float, dt: float, tau: float) -> float:
    return value + (target - value) * (1.0 - math.exp(-dt / tau))
