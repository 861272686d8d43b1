"""The parameter dictionary: complete, consistent, and the one source of limits."""

from __future__ import annotations

import pytest

from marsy.protocol import (
    BY_DEVICE,
    PARAMETERS,
    Device,
    FlightPhase,
    Limits,
    Severity,
    parameter,
    parameters_of,
)
from marsy.protocol.parameters import coerce_value


def test_every_device_measures_something_and_names_are_unique() -> None:
    for device in Device:
        names = [p.name for p in parameters_of(device)]
        assert names, device
        assert len(names) == len(set(names))
    assert sum(len(BY_DEVICE[d]) for d in Device) == len(PARAMETERS)


def test_limits_lie_inside_the_valid_range() -> None:
    for param in PARAMETERS:
        for limits in [param.default_limits, *param.limits.values()]:
            if limits is None:
                continue
            for bound in (limits.yellow_low, limits.yellow_high, limits.red_low, limits.red_high):
                assert bound is None or param.valid_min <= bound <= param.valid_max, param.key


def test_classify_by_phase_falls_back_to_default() -> None:
    g_load = parameter(Device.SUIT, "g_load")
    assert g_load.classify(FlightPhase.ASCENT, 4.0) == (Severity.NOMINAL, None)
    assert g_load.classify(FlightPhase.ASCENT, 6.0) == (Severity.YELLOW, 5.0)
    assert g_load.classify(FlightPhase.ASCENT, 9.0) == (Severity.RED, 8.0)
    # an abort motor pulls hard by design: the same 9 g is only yellow there
    assert g_load.classify(FlightPhase.ABORT, 9.0) == (Severity.NOMINAL, None)
    assert g_load.classify(FlightPhase.ABORT, 12.0) == (Severity.YELLOW, 10.0)


def test_low_limits_classify_below() -> None:
    spo2 = parameter(Device.SUIT, "spo2")
    assert spo2.classify(FlightPhase.ORBIT, 97.0)[0] is Severity.NOMINAL
    assert spo2.classify(FlightPhase.ORBIT, 90.0) == (Severity.YELLOW, 92.0)
    assert spo2.classify(FlightPhase.ORBIT, 80.0) == (Severity.RED, 85.0)


def test_a_parameter_without_limits_is_always_nominal() -> None:
    altitude = parameter(Device.ROCKET, "altitude")
    assert altitude.classify(FlightPhase.ASCENT, 1e7) == (Severity.NOMINAL, None)


def test_red_must_lie_outside_yellow() -> None:
    with pytest.raises(ValueError, match="red_high"):
        Limits(yellow_high=10.0, red_high=5.0)


def test_unknown_parameter_names_the_device() -> None:
    with pytest.raises(KeyError, match="booster has no parameter 'heart_rate'"):
        parameter(Device.BOOSTER, "heart_rate")


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [("altitude", 12, 12.0), ("engines_running", 9.0, 9), ("engines_running", 9, 9)],
)
def test_coerce_types_values_by_the_dictionary(name: str, raw: object, expected: object) -> None:
    value = coerce_value(parameter(Device.ROCKET, name), raw)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("name", "raw", "reason"),
    [
        ("altitude", True, "expected a number"),
        ("altitude", "1", "expected a number"),
        ("altitude", float("nan"), "finite"),
        ("altitude", -5000.0, "outside the valid range"),
        ("engines_running", 2.5, "expected an integer"),
    ],
)
def test_coerce_refuses_bad_values(name: str, raw: object, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        coerce_value(parameter(Device.ROCKET, name), raw)
