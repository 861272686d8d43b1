"""Whether the rocket's own readings let it fly: its latest telemetry judged against the parameter
dictionary's limits for the pad.

A red reading on the pad (a cabin that does not hold its pressure, say) is a rocket no-go with
the figures to quote; a yellow one is not. The launchpad hears the rocket's telemetry at QoS 0,
only ever for its latest values, so a check judges readings taken just before it; a rocket
whose telemetry stopped reaching the ground is not ready either.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from types import MappingProxyType

from marsy.protocol import Device, FlightPhase, Severity, parameters_of
from marsy.protocol.parameters import Value

ROCKET_PARAMETERS = parameters_of(Device.ROCKET)


def out_of_limits(values: Mapping[str, Value], phase: FlightPhase = FlightPhase.PAD) -> list[str]:
    """Every reading of the rocket beyond a red limit of ``phase``, in dictionary order."""
    reasons = []
    for param in ROCKET_PARAMETERS:
        value = values.get(param.name)
        if value is None or isinstance(value, bool):
            continue
        severity, bound = param.classify(phase, value)
        if severity is Severity.RED and bound is not None:
            side = "below" if value < bound else "above"
            unit = param.shown_unit
            limit = f"its red limit {bound:g} {unit} on the {phase}"
            reasons.append(f"{param.name} {value:g} {unit} {side} {limit}")
    return reasons


class LatestReadings:
    """The rocket's newest values and when they were heard; thread-safe (the bus loop writes,
    a check reads)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        """``clock``: wall seconds, for the readings' age."""
        self._clock = clock
        self._values: Mapping[str, Value] = MappingProxyType({})
        self._heard: float | None = None
        self._changed = threading.Condition()

    def take(self, values: Mapping[str, Value]) -> None:
        with self._changed:
            self._values = MappingProxyType(dict(values))
            self._heard = self._clock()
            self._changed.notify_all()

    def fresh(self, max_age: float, wait: float) -> Mapping[str, Value] | None:
        """The newest values if heard at most ``max_age`` seconds ago, else the first heard
        within ``wait`` seconds; ``None`` when none came."""
        with self._changed:
            asked = self._clock()
            if self._heard is not None and asked - self._heard <= max_age:
                return self._values
            heard = self._changed.wait_for(
                lambda: self._heard is not None and self._heard >= asked, timeout=wait
            )
            return self._values if heard else None
