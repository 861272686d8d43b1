"""The parameter dictionary: complete, consistent, and the one source of limits."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

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
from marsy.protocol.parameters import coerce_value, names_of, values_for


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


def test_names_and_values_by_name_are_checked_against_the_dictionary() -> None:
    assert names_of(Device.ROCKET, "fuel_stage1", "throttle") == ("fuel_stage1", "throttle")
    assert values_for(Device.SATELLITE, battery=95.0) == {"battery": 95.0}
    with pytest.raises(KeyError, match="rocket has no parameter 'fuel_stag1'"):
        names_of(Device.ROCKET, "throttle", "fuel_stag1")
    with pytest.raises(KeyError, match="satellite has no parameter 'batery'"):
        values_for(Device.SATELLITE, batery=95.0)


def test_a_misspelt_parameter_name_fails_when_its_module_is_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The way rules, the console and the report name parameters: module-level constants
    through the accessors, so a typo stops the import instead of reading ``None`` mid-flight."""
    (tmp_path / "good_rules.py").write_text(
        "from marsy.protocol import Device\n"
        "from marsy.protocol.parameters import names_of, parameter\n"
        'FUEL = parameter(Device.ROCKET, "fuel_stage1")\n'
        'FIGURES = names_of(Device.ROCKET, "throttle", "altitude")\n'
    )
    (tmp_path / "typo_rules.py").write_text(
        "from marsy.protocol import Device\n"
        "from marsy.protocol.parameters import parameter\n"
        'FUEL = parameter(Device.ROCKET, "fuel_stage_1")\n'
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    good = importlib.import_module("good_rules")
    assert good.FUEL.unit == "%" and good.FIGURES == ("throttle", "altitude")
    with pytest.raises(KeyError, match="rocket has no parameter 'fuel_stage_1'"):
        importlib.import_module("typo_rules")
    assert "typo_rules" not in sys.modules
    del sys.modules["good_rules"]


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
