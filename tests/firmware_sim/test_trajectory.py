"""The headless trajectory export: one CSV row per body per output step, and its summary."""

from __future__ import annotations

import csv
import io
from collections import Counter
from itertools import pairwise
from pathlib import Path

import pytest

from firmware_sim.trajectory import CSV_COLUMNS, fly
from firmware_sim.vehicles import Vehicle


@pytest.fixture(scope="module")
def exported(marsy: Vehicle, tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, str]]:
    path: Path = tmp_path_factory.mktemp("trajectory") / "marsy.csv"
    fly(marsy, path, step=2.0)
    with path.open() as handle:
        return list(csv.DictReader(handle))


def test_header_and_bodies(exported: list[dict[str, str]]) -> None:
    assert list(exported[0]) == list(CSV_COLUMNS)
    assert {row["body"] for row in exported} == {"rocket", "booster", "satellite"}


def test_one_row_per_body_per_step(exported: list[dict[str, str]]) -> None:
    per_time = Counter(row["time_s"] for row in exported)
    times = sorted(per_time, key=float)
    steps = [float(b) - float(a) for a, b in pairwise(times)]
    assert all(step == pytest.approx(2.0, abs=1e-6) for step in steps)
    for time, count in per_time.items():
        bodies = [row["body"] for row in exported if row["time_s"] == time]
        assert len(bodies) == len(set(bodies)) == count


def test_rows_describe_the_flight(exported: list[dict[str, str]]) -> None:
    pad = [row for row in exported if float(row["time_s"]) < 0]
    assert pad and all(row["phase"] == "pad" and float(row["altitude_m"]) == 0.0 for row in pad)
    rocket = [row for row in exported if row["body"] == "rocket"]
    assert max(float(row["altitude_m"]) for row in rocket) > 150_000.0
    assert max(float(row["inertial_velocity_m_s"]) for row in rocket) > 7_500.0
    booster = [row for row in exported if row["body"] == "booster"]
    assert booster[-1]["phase"] == "landed"


def test_summary_of_a_nominal_flight(marsy: Vehicle) -> None:
    out = io.StringIO()
    summary = fly(marsy, out, step=5.0)
    assert out.getvalue().startswith(",".join(CSV_COLUMNS))
    assert summary.max_q is not None and summary.max_q_time is not None
    meco, sep, seco = summary.meco_time, summary.separation_time, summary.seco_time
    assert meco is not None and sep is not None and seco is not None
    assert summary.max_q_time < meco <= sep < seco < summary.duration
    assert summary.apoapsis is not None and summary.periapsis is not None
    assert summary.apoapsis >= summary.periapsis > 150_000.0
    assert summary.booster_touchdown_speed is not None
    assert summary.booster_touchdown_speed < 3.0
    assert summary.capsule_touchdown_speed is None


def test_until_extends_the_flight(marsy: Vehicle) -> None:
    assert fly(marsy, until=700.0).duration >= 700.0


def test_bad_step_is_refused(marsy: Vehicle) -> None:
    with pytest.raises(ValueError):
        fly(marsy, step=0.0)
