"""Exported values at the dictionary's precision: a board's 32-bit float reads as the figure
the board meant, and a column says its unit."""

from __future__ import annotations

import struct

import pytest

from ground.report.precision import decimals, header, shortest_float32, value_text
from marsy.protocol import PARAMETERS, Device, Parameter, ValueType, parameter


def f32(value: float) -> float:
    """``value`` as a board sends it: through a 32-bit float."""
    return float(struct.unpack("<f", struct.pack("<f", value))[0])


def full_precision(**changes: object) -> Parameter:
    return parameter(Device.ROCKET, "altitude").model_copy(update={"resolution": 0.0, **changes})


@pytest.mark.parametrize(
    ("resolution", "places"),
    [(0.01, 2), (0.001, 3), (0.1, 1), (1.0, 0), (10.0, 0), (1000.0, 0), (0.25, 2), (0.0, None)],
)
def test_decimals_follow_the_resolution(resolution: float, places: int | None) -> None:
    assert decimals(resolution) == places


def test_a_resolution_is_a_step() -> None:
    with pytest.raises(ValueError):
        decimals(-0.1)


def test_a_board_value_reads_as_the_board_meant_it() -> None:
    velocity = parameter(Device.ROCKET, "velocity")  # 0.01 m/s
    assert f32(0.1) == 0.10000000149011612
    assert value_text(velocity, f32(0.1)) == "0.10"
    assert value_text(velocity, f32(7834.56)) == "7834.56"
    assert value_text(velocity, f32(-0.001)) == "0.00", "no negative zero"
    assert value_text(parameter(Device.ROCKET, "chamber_pressure"), f32(9_871_000.0)) == "9871000"
    assert value_text(parameter(Device.ROCKET, "mach"), f32(2.345)) == "2.345"


def test_full_precision_is_the_shortest_text_of_the_same_float32() -> None:
    free = full_precision()
    assert value_text(free, f32(0.1)) == "0.1"
    assert value_text(free, f32(123456.789)) == "123456.79"
    for value in (f32(1 / 3), f32(6.02e23), f32(-1e-30), 0.0):
        text = shortest_float32(value)
        assert f32(float(text)) == value, text
        assert len(text.replace("-", "").replace(".", "")) <= 12
    assert shortest_float32(0.1) == repr(0.1), "a value that is no float32 is written in full"
    assert shortest_float32(1e300) == "1e+300"


def test_counts_and_flags_are_written_as_they_are() -> None:
    engines = parameter(Device.ROCKET, "engines_running")
    assert engines.type is ValueType.INT
    assert value_text(engines, 9) == "9"
    assert value_text(engines, 9.0) == "9"
    flag = full_precision(type=ValueType.BOOL)
    assert value_text(flag, True) == "true"
    assert value_text(flag, False) == "false"
    assert value_text(None, True) == "true"
    assert value_text(None, "ascent") == "ascent"
    assert value_text(engines, None) == ""


def test_a_column_is_named_with_the_unit_people_read() -> None:
    assert header(parameter(Device.ROCKET, "altitude")) == "altitude_m"
    assert header(parameter(Device.SUIT, "g_load")) == "g_load_g"
    assert header(parameter(Device.ROCKET, "mach")) == "mach_1"
    assert header(parameter(Device.ROCKET, "velocity")) == "velocity_m/s"
    for device in Device:
        names = [header(p) for p in PARAMETERS if p.device is device]
        assert len(names) == len(set(names)), device
