"""The service's view of the weather: its source, unless an operator has set the conditions.

An operator (or a test) can impose conditions, e.g. to rehearse a scrub; they hold until
cleared, and every reading says which of the two it came from. The source itself can be
swapped (:meth:`Station.play`): the simulation plays each scenario's weather script from the
start of its mission.
"""

from __future__ import annotations

import threading

from pydantic import BaseModel, ConfigDict

from ground.weather.conditions import Conditions
from ground.weather.source import WeatherSource
from marsy.clock import MissionClock


class Reading(BaseModel):
    """Conditions as served: what, from where, and when (mission clock)."""

    model_config = ConfigDict(frozen=True)

    conditions: Conditions
    source: str
    """``script:<name>`` (or another source's name), or ``operator:<caller>`` when set by hand."""
    ts: float


class Station:
    """Thread-safe: Flask serves each request on its own thread."""

    def __init__(self, source: WeatherSource, clock: MissionClock) -> None:
        self.source = source
        self.clock = clock
        self._override: tuple[Conditions, str] | None = None
        self._lock = threading.Lock()

    def read(self) -> Reading:
        with self._lock:
            override = self._override
            source = self.source
        if override is not None:
            conditions, origin = override
        else:
            conditions, origin = source.current(), source.name
        return Reading(conditions=conditions, source=origin, ts=self.clock.now())

    def play(self, source: WeatherSource) -> Reading:
        """Read ``source`` from now on (an operator's imposed conditions still come first)."""
        with self._lock:
            self.source = source
        return self.read()

    def impose(self, conditions: Conditions, caller: str) -> Reading:
        """Serve ``conditions`` instead of the source's until :meth:`release`."""
        with self._lock:
            self._override = (conditions, f"operator:{caller}")
        return self.read()

    def release(self) -> Reading:
        """Back to the source's conditions."""
        with self._lock:
            self._override = None
        return self.read()
