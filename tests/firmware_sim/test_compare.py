"""A recorded flight read at the standard marks, and a simulated one judged against it."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from firmware_sim.compare import (
    REFERENCE_DIR,
    FlightFileError,
    MarkError,
    Track,
    marks_of,
    read_flight,
    reference_flight,
)
from firmware_sim.simulator import compare_headless


def test_the_bundled_record_reads_as_its_marks_say() -> None:
    flight = read_flight("saocom-1a")
    assert any("SAOCOM 1A" in note for note in flight.notes)
    assert any("shahar603/Telemetry-Data" in note for note in flight.notes)
    with (REFERENCE_DIR / "marks.toml").open("rb") as handle:
        (listed,) = [f for f in tomllib.load(handle)["flight"] if f["name"] == "SAOCOM 1A"]
    marks = marks_of(flight.track)
    assert marks.t60 == pytest.approx(listed["t60"], rel=1e-3)
    assert marks.t120 == pytest.approx(listed["t120"], rel=1e-3)
    assert marks.meco == pytest.approx(listed["meco"], rel=1e-3)
    assert marks.max_q == pytest.approx(listed["max_q"], rel=1e-3)


def test_the_reference_folder_stays_small() -> None:
    data = [p for p in REFERENCE_DIR.iterdir() if p.suffix in (".csv", ".toml")]
    assert data and sum(p.stat().st_size for p in data) < 100_000


def test_marks_between_samples_are_interpolated_and_meco_is_the_speed_peak() -> None:
    times = tuple(float(t) for t in range(0, 201, 2))
    speeds = tuple(10.0 * t if t <= 150 else 1500.0 - 5.0 * (t - 150) for t in times)
    altitudes = tuple(100.0 * t for t in times)
    marks = marks_of(Track(times, altitudes, speeds))
    assert marks.t60 == (600.0, 6_000.0)
    assert marks.meco == (150.0, 1_500.0, 15_000.0)
    assert 0.0 < marks.max_q[0] <= 120.0


def test_a_flight_cut_before_meco_is_refused() -> None:
    times = tuple(float(t) for t in range(130))
    with pytest.raises(ValueError, match="cut-off"):
        marks_of(Track(times, times, times))


def test_errors_are_shares_of_the_record_and_times_differences() -> None:
    speed = MarkError("T+60", "speed", 400.0, 436.0, "m/s", relative=True)
    assert speed.error == pytest.approx(9.0) and speed.within
    assert not MarkError("T+60", "speed", 400.0, 450.0, "m/s", relative=True).within
    late = MarkError("Max-Q", "time", 58.0, 64.0, "s", relative=False)
    assert late.error == pytest.approx(6.0) and not late.within


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("time_s,altitude_m\n0,0\n", "no column 'velocity_m_s'"),
        ("time_s,altitude_m,velocity_m_s\n0,0,x\n", "row 2 is not three numbers"),
        ("time_s,altitude_m,velocity_m_s\n1,0,0\n1,0,0\n", "row 3: time does not increase"),
        ("# only a note\n", "no header and no rows"),
    ],
)
def test_a_bad_file_says_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "flight.csv"
    path.write_text(text)
    with pytest.raises(FlightFileError, match=message):
        read_flight(path)


def test_an_unknown_reference_names_the_known_ones() -> None:
    with pytest.raises(FlightFileError, match="saocom-1a"):
        reference_flight("apollo-11")


def test_the_falcon9_against_its_held_out_flight() -> None:
    result = compare_headless("falcon9", "saocom-1a")
    assert result.within
    assert "booster down 0." in result.text  # within a kilometre of the pad
    assert "all marks within 10 %" in result.text
    off = compare_headless("falcon9", "saocom-1a", recovery="expendable")
    assert not off.within  # an expendable first stage burns on, far faster at its cut-off
    assert "OFF" in off.text
