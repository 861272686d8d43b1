"""Scenario files: bad ones are refused with the file and the key named."""

from __future__ import annotations

from pathlib import Path

import pytest

from firmware_sim.scenario import ScenarioError, load_scenario


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
    assert {"nominal", "explosion", "engine-failure"} <= set(listed)
    assert listed == sorted(listed)
