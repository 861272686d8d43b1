"""The mission clock: every process derives the same warped time from epoch and warp."""

from __future__ import annotations

import pytest

from marsy.clock import MissionClock
from marsy.settings import ClockSettings


class FakeWall:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_deployed_clock_is_wall_time() -> None:
    wall = FakeWall(1_800_000_000.0)
    assert MissionClock(wall=wall).now() == 1_800_000_000.0


def test_warped_clock_starts_at_the_epoch_and_runs_fast() -> None:
    wall = FakeWall(1000.0)
    clock = MissionClock(epoch=1000.0, warp=20.0, wall=wall)
    assert clock.now() == 1000.0
    wall.now = 1003.0
    assert clock.now() == 1060.0
    assert clock.to_wall(60.0) == 3.0


def test_two_processes_agree_without_talking() -> None:
    wall = FakeWall(5000.0)
    settings = ClockSettings(epoch=4990.0, warp=10.0)
    one = MissionClock(epoch=settings.epoch, warp=settings.warp, wall=wall)
    two = settings.clock()
    assert one.now() == MissionClock(epoch=4990.0, warp=10.0, wall=wall).now() == 5090.0
    assert two.warp == 10.0


def test_warp_must_be_positive() -> None:
    with pytest.raises(ValueError):
        MissionClock(warp=0.0)
