"""The report's units come from the parameter dictionary, scaled for reading."""

from __future__ import annotations

import pytest

from ground.report.plots import PLOTS
from ground.report.units import display_unit, figure
from marsy.protocol import Device, parameter


@pytest.mark.parametrize(
    ("unit", "scale", "shown"),
    [
        ("m", 1e-3, "km"),
        ("Pa", 1e-3, "kPa"),
        ("m/s", 1e-3, "km/s"),
        ("m/s", 1e-2, "100 m/s"),
        ("m/s2", 1.0, "m/s²"),
        ("%", 1.0, "%"),
        ("/min", 1.0, "/min"),
        ("kg", 1e-3, "1000 kg"),
        ("1", 1.0, ""),
        ("1", 10.0, "x10"),
        ("g", 1.0, "g"),
        ("g", 10.0, "0.1 g"),
    ],
)
def test_a_scaled_unit_is_written_as_people_read_it(unit: str, scale: float, shown: str) -> None:
    assert display_unit(unit, scale) == shown


def test_a_figure_carries_its_unit_unless_it_is_a_plain_number() -> None:
    assert figure(12_345.0, "m", 1e-3) == "12.3 km"
    assert figure(31_234.0, "Pa", 1e-3) == "31.2 kPa"
    assert figure(2.44, "1") == "2.4"
    assert figure(2.44, parameter(Device.SUIT, "g_load").shown_unit) == "2.4 g"
    assert parameter(Device.ROCKET, "mach").shown_unit == "1"


def test_each_plot_says_its_unit_once_on_the_axis_or_in_each_label() -> None:
    by_file = {plot.file: plot for plot in PLOTS}
    altitude = by_file["altitude.png"]
    assert altitude.unit == "km"
    assert [altitude.label(c) for c in altitude.curves] == ["rocket", "booster", "satellite"]
    assert by_file["acceleration.png"].unit == "m/s²"
    assert by_file["dynamic_pressure.png"].unit == "kPa"
    crew = by_file["crew.png"]
    assert crew.unit == ""
    assert [crew.label(c) for c in crew.curves] == ["heart rate (/min)", "g-load (0.1 g)"]
    descent = by_file["crew_descent.png"]
    assert [descent.label(c) for c in descent.curves] == [
        "altitude (km)",
        "vertical speed (100 m/s)",
    ]
