"""Weather go/no-go rules and the scripted source: pure logic, no I/O."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from ground.weather.conditions import CALM, Conditions
from ground.weather.rules import LaunchCriteria, WeatherRule, evaluate
from ground.weather.source import SCRIPTS, Script, ScriptedSource, ScriptError, Step, load_script
from marsy.clock import MissionClock

LIMITS = LaunchCriteria()


def weather(**changes: object) -> Conditions:
    return Conditions.model_validate({**CALM.model_dump(), **changes})


def test_calm_is_go() -> None:
    verdict = evaluate(CALM, LIMITS)
    assert verdict.go and verdict.reasons == ()


@pytest.mark.parametrize(
    ("changes", "rule", "limit"),
    [
        ({"wind_speed": 15.5, "wind_gust": 16.0}, WeatherRule.WIND, 15.0),
        ({"wind_gust": 19.5}, WeatherRule.GUST, 19.0),
        ({"precipitation": 0.2}, WeatherRule.PRECIPITATION, 0.0),
        ({"lightning_distance": 18.0}, WeatherRule.LIGHTNING, 18.5),
        ({"temperature": 1.5}, WeatherRule.COLD, 2.0),
        ({"temperature": 37.5}, WeatherRule.HEAT, 37.0),
    ],
)
def test_each_rule_alone(changes: dict[str, float], rule: WeatherRule, limit: float) -> None:
    verdict = evaluate(weather(**changes), LIMITS)
    assert not verdict.go
    assert [(r.rule, r.limit) for r in verdict.reasons] == [(rule, limit)]


@pytest.mark.parametrize(
    "changes",
    [
        {"wind_speed": 15.0, "wind_gust": 19.0},
        {"lightning_distance": 18.5},
        {"temperature": 2.0},
        {"temperature": 37.0},
    ],
)
def test_limits_themselves_are_go(changes: dict[str, float]) -> None:
    assert evaluate(weather(**changes), LIMITS).go


def test_a_thunderstorm_gives_every_reason_not_just_the_first() -> None:
    storm = weather(
        wind_speed=17.0, wind_gust=26.0, precipitation=8.0, lightning_distance=6.0, temperature=1.0
    )
    verdict = evaluate(storm, LIMITS)
    assert not verdict.go
    assert [r.rule for r in verdict.reasons] == [
        WeatherRule.WIND,
        WeatherRule.GUST,
        WeatherRule.PRECIPITATION,
        WeatherRule.LIGHTNING,
        WeatherRule.COLD,
    ]
    assert "lightning 6 km away" in verdict.reasons[3].message


def test_criteria_are_the_vehicles_own() -> None:
    tolerant = LaunchCriteria(max_wind_gust=30.0)
    assert evaluate(weather(wind_gust=25.0), tolerant).go
    assert not evaluate(weather(wind_gust=25.0), LIMITS).go


def test_a_gust_below_the_wind_is_refused_naming_the_gust() -> None:
    with pytest.raises(ValidationError) as caught:
        weather(wind_speed=10.0, wind_gust=5.0)
    assert caught.value.errors()[0]["loc"] == ("wind_gust",)


def test_a_script_is_a_step_function_of_mission_time() -> None:
    front = SCRIPTS["front"]
    assert front.at(0.0) == CALM
    assert front.at(599.9) == CALM
    assert front.at(600.0).wind_gust == 21.0
    assert not evaluate(front.at(1000.0), LIMITS).go
    assert evaluate(front.at(1e6), LIMITS).go


def test_the_scripted_source_follows_the_mission_clock() -> None:
    wall = [1000.0]
    clock = MissionClock(epoch=1000.0, warp=100.0, wall=lambda: wall[0])
    source = ScriptedSource(SCRIPTS["front"], clock, start=clock.epoch)
    assert source.name == "script:front"
    assert source.current() == CALM
    wall[0] += 10.0  # 1000 mission seconds: the thunderstorm
    assert source.current().lightning_distance == 6.0


def test_a_script_must_start_at_zero_and_go_forward() -> None:
    with pytest.raises(ScriptError, match="first step must be at 0"):
        Script("late", (Step(5.0, CALM),))
    with pytest.raises(ScriptError, match="increasing"):
        Script("twice", (Step(0.0, CALM), Step(0.0, CALM)))


def test_a_toml_script_loads_and_names_what_is_wrong(tmp_path: Path) -> None:
    good = tmp_path / "squall.toml"
    good.write_text(
        "[[step]]\nat = 0\nwind_speed = 4.0\nwind_gust = 6.0\nprecipitation = 0.0\n"
        "temperature = 20.0\n"
        "[[step]]\nat = 300\nwind_speed = 12.0\nwind_gust = 24.0\nprecipitation = 3.0\n"
        "lightning_distance = 9.0\ntemperature = 16.0\n"
    )
    script = load_script(good)
    assert script.name == "squall"
    assert script.at(100).lightning_distance is None
    assert [r.rule for r in evaluate(script.at(300), LIMITS).reasons] == [
        WeatherRule.GUST,
        WeatherRule.PRECIPITATION,
        WeatherRule.LIGHTNING,
    ]
    bad = tmp_path / "bad.toml"
    bad.write_text(
        "[[step]]\nat = 0\nwind_speed = -1\nwind_gust = 6.0\nprecipitation = 0\ntemperature = 20\n"
    )
    with pytest.raises(ScriptError, match=r"step 1: wind_speed"):
        load_script(bad)
    with pytest.raises(ScriptError, match="no \\[\\[step\\]\\]"):
        (tmp_path / "empty.toml").write_text("name = 'x'\n")
        load_script(tmp_path / "empty.toml")
