"""The Falcon 9 profile, built from public specifications, against flight-like bands."""

from __future__ import annotations

import pytest

from firmware_sim.trajectory import TrajectorySummary, fly
from firmware_sim.vehicles import Vehicle


@pytest.fixture(scope="module")
def summary(falcon9: Vehicle) -> TrajectorySummary:
    return fly(falcon9)


def test_max_q(summary: TrajectorySummary) -> None:
    assert summary.max_q_time is not None and summary.max_q_altitude is not None
    assert 50.0 <= summary.max_q_time <= 75.0
    assert 7_000.0 <= summary.max_q_altitude <= 13_000.0
    assert summary.max_q is not None and summary.max_q < 40_000.0


def test_meco(summary: TrajectorySummary) -> None:
    assert summary.meco_time is not None
    assert 140.0 <= summary.meco_time <= 165.0


def test_upper_stage_reaches_orbital_speed(summary: TrajectorySummary) -> None:
    assert summary.insertion_inertial_speed is not None and summary.insertion_altitude is not None
    assert summary.insertion_inertial_speed >= 7_400.0
    assert 150_000.0 <= summary.insertion_altitude <= 250_000.0
    assert summary.periapsis is not None and summary.periapsis > 150_000.0


def test_booster_lands_downrange(summary: TrajectorySummary) -> None:
    assert summary.booster_touchdown_speed is not None
    assert summary.booster_touchdown_speed < 3.0
