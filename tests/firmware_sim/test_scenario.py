"""Scenario files: bad ones are refused with the file and the key named."""

from __future__ import annotations

from pathlib import Path

import pytest

from firmware_sim.scenario import ScenarioError, bundled_scenarios, load_scenario
from marsy.protocol import Device


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('name = "x"\n[[faults]]\nkind = "meteor"\nat = 1.0\n', "faults.0"),
        ('name = "x"\n[[faults]]\nkind = "explosion"\nat = -1.0\n', "faults.0.explosion.at"),
        (
            'name = "x"\n[[faults]]\nkind = "stuck_sensor"\ndevice = "suit"\nparameter = "fuel"'
            "\nat = 1.0\nduration = 1.0\n",
            "suit has no parameter 'fuel'",
        ),
        (
            'name = "x"\n[[faults]]\nkind = "pad_reading"\ndevice = "rocket"'
            '\nparameter = "heart_rate"\nvalue = 1.0\n',
            "rocket has no parameter 'heart_rate'",
        ),
        (
            'name = "x"\n[[faults]]\nkind = "pad_reading"\ndevice = "rocket"'
            '\nparameter = "cabin_pressure"\nvalue = -5.0\n',
            "outside what rocket.cabin_pressure can read",
        ),
        ('name = "x"\nweather = "Storm!"\n', "weather"),
        ('name = "x"\nbogus = 1\n', "bogus"),
        ("name = \n", "Invalid"),
    ],
)
def test_bad_scenarios_name_the_fault(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError, match=message):
        load_scenario(path)


def test_unknown_bundled_name_lists_the_known_ones() -> None:
    with pytest.raises(ScenarioError) as raised:
        load_scenario("nope")
    listed = str(raised.value).split("bundled: ", 1)[1].split(", ")
    assert {"nominal", "explosion", "engine-failure", "scrub", "rocket-no-go"} <= set(listed)
    assert listed == sorted(listed)


def test_every_bundled_weather_is_one_the_weather_service_plays() -> None:
    from ground.weather.source import SCRIPTS

    weathers = {name: load_scenario(name).weather for name in bundled_scenarios()}
    assert set(weathers.values()) <= set(SCRIPTS), weathers
    assert (weathers["nominal"], weathers["scrub"], weathers["weather-hold"]) == (
        "calm",
        "storm",
        "squall",
    )
    leak = load_scenario("rocket-no-go").board_faults(Device.ROCKET)
    assert [(f.kind, f.parameter) for f in leak] == [("pad_reading", "cabin_pressure")]
