"""The mission clock every MarsY process reads instead of the wall clock.

Deployed, mission time is wall time. In a time-warped simulation every process is given the same
``epoch`` (the wall time at which the mission clock started) and ``warp`` factor in its settings,
and derives the same mission time on its own, so no clock messages cross the bus.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class MissionClock:
    """``now() = origin + (wall() - epoch) * warp``.

    ``origin`` defaults to ``epoch``: a warped mission starts at the real date and then runs
    ``warp`` times faster, so its timestamps still look like dates in InfluxDB and Grafana.
    """

    epoch: float = 0.0
    warp: float = 1.0
    origin: float | None = None
    wall: Callable[[], float] = field(default=time.time, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.warp > 0:
            raise ValueError("warp must be positive")

    def now(self) -> float:
        """Mission time, in seconds since the Unix epoch."""
        start = self.epoch if self.origin is None else self.origin
        return start + (self.wall() - self.epoch) * self.warp

    def to_wall(self, mission_seconds: float) -> float:
        """How many wall seconds a span of mission time lasts."""
        return mission_seconds / self.warp

    def sleep(self, mission_seconds: float, stop: threading.Event | None = None) -> bool:
        """Wait a span of mission time; returns ``True`` early when ``stop`` is set."""
        delay = max(0.0, self.to_wall(mission_seconds))
        if stop is None:
            time.sleep(delay)
            return False
        return stop.wait(delay)


WALL_CLOCK = MissionClock()
"""The deployed clock: mission time is wall time."""
