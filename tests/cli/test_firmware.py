"""``marsy firmware --compare``: a recorded flight read against the simulated one."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from marsy_cli.firmware import firmware


def test_compare_prints_the_errors_at_the_marks_and_plots(tmp_path: Path) -> None:
    plot = tmp_path / "f9.png"
    result = CliRunner().invoke(
        firmware, ["--vehicle", "falcon9", "--compare", "saocom-1a", "--plot", str(plot)]
    )
    assert result.exit_code == 0, result.output
    for mark in ("T+60", "T+120", "MECO", "Max-Q"):
        assert mark in result.output
    assert "all marks within 10 %" in result.output
    assert plot.read_bytes().startswith(b"\x89PNG")


def test_a_flight_the_vehicle_does_not_match_exits_non_zero(tmp_path: Path) -> None:
    flight = tmp_path / "slow.csv"
    rows = [f"{t},{20.0 * t * t:.0f},{2.0 * t if t <= 150 else 300 - t:.1f}" for t in range(200)]
    flight.write_text(
        "# a slow, made-up flight\ntime_s,altitude_m,velocity_m_s\n" + "\n".join(rows)
    )
    result = CliRunner().invoke(firmware, ["--vehicle", "falcon9", "--compare", str(flight)])
    assert result.exit_code == 1
    assert "OFF" in result.output and "outside 10 %" in result.output


def test_a_missing_flight_file_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(firmware, ["--compare", str(tmp_path / "none.csv")])
    assert result.exit_code == 1
    assert "cannot read" in result.output


def test_plot_needs_a_comparison(tmp_path: Path) -> None:
    result = CliRunner().invoke(firmware, ["--plot", str(tmp_path / "x.png")])
    assert result.exit_code == 2
    assert "--compare" in result.output


def test_the_recovery_profile_can_be_chosen_for_a_trajectory(tmp_path: Path) -> None:
    out = tmp_path / "f9.csv"
    result = CliRunner().invoke(
        firmware, ["--vehicle", "falcon9", "--recovery", "asds", "--trajectory", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "entry_burn" in result.output and "boostback_burn" not in result.output
    assert "booster from the pad" in result.output
