"""Where the conditions come from: a :class:`WeatherSource` is anything with ``current()``.

Deployed, a source would read the pad's weather station; in the simulation a
:class:`ScriptedSource` plays a :class:`Script`, a step function of mission time (``calm``, a
``front`` passing, a ``storm`` that stays, a ``squall`` that clears, or a TOML file), so a
mission can be held or scrubbed by weather deterministically.
"""

from __future__ import annotations

import bisect
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError

from ground.weather.conditions import CALM, Conditions
from marsy.clock import MissionClock


class WeatherSource(Protocol):
    """Current conditions at the pad, named so an answer can say where it came from."""

    @property
    def name(self) -> str: ...

    def current(self) -> Conditions: ...


class ScriptError(ValueError):
    """A weather script cannot be read; the message names the file, step and field."""


@dataclass(frozen=True)
class Step:
    at: float
    """Mission seconds after the script's start from which ``conditions`` hold."""
    conditions: Conditions


@dataclass(frozen=True)
class Script:
    """Conditions over mission time: each step holds until the next one begins."""

    name: str
    steps: tuple[Step, ...]

    def __post_init__(self) -> None:
        if not self.steps or self.steps[0].at != 0:
            raise ScriptError(f"script {self.name}: the first step must be at 0")
        times = [step.at for step in self.steps]
        if times != sorted(set(times)):
            raise ScriptError(f"script {self.name}: steps must be in strictly increasing time")

    def at(self, elapsed: float) -> Conditions:
        """The conditions ``elapsed`` mission seconds after the start (the first step before)."""
        index = bisect.bisect_right([step.at for step in self.steps], elapsed) - 1
        return self.steps[max(index, 0)].conditions


def _conditions(**fields: Any) -> Conditions:
    return Conditions.model_validate(fields)


THUNDERSTORM = _conditions(
    wind_speed=17.0,
    wind_gust=26.0,
    precipitation=8.0,
    lightning_distance=6.0,
    temperature=14.0,
)
"""A thunderstorm over the pad: wind, gusts, rain and lightning all no-go."""

SCRIPTS: Mapping[str, Script] = {
    "calm": Script("calm", (Step(0.0, CALM),)),
    # A thunderstorm parked over the range all day: a launch window never opens.
    "storm": Script("storm", (Step(0.0, THUNDERSTORM),)),
    # A squall line over the pad that clears 45 s (mission time) after it starts playing.
    "squall": Script(
        "squall",
        (
            Step(0.0, THUNDERSTORM),
            Step(
                45.0,
                _conditions(
                    wind_speed=6.0,
                    wind_gust=9.0,
                    precipitation=0.0,
                    lightning_distance=None,
                    temperature=16.0,
                ),
            ),
        ),
    ),
    # A cold front crossing the range: fair, then rising wind, a thunderstorm overhead, clearing.
    "front": Script(
        "front",
        (
            Step(0.0, CALM),
            Step(
                600.0,
                _conditions(
                    wind_speed=11.0,
                    wind_gust=21.0,
                    precipitation=0.0,
                    lightning_distance=40.0,
                    temperature=18.0,
                ),
            ),
            Step(
                900.0,
                _conditions(
                    wind_speed=17.0,
                    wind_gust=26.0,
                    precipitation=8.0,
                    lightning_distance=6.0,
                    temperature=14.0,
                ),
            ),
            Step(
                1500.0,
                _conditions(
                    wind_speed=9.0,
                    wind_gust=13.0,
                    precipitation=0.4,
                    lightning_distance=25.0,
                    temperature=13.0,
                ),
            ),
            Step(
                2100.0,
                _conditions(
                    wind_speed=5.0,
                    wind_gust=8.0,
                    precipitation=0.0,
                    lightning_distance=None,
                    temperature=12.0,
                ),
            ),
        ),
    ),
}
"""Built-in scripts, by name."""


def load_script(path: Path) -> Script:
    """Read a script from TOML: ``[[step]]`` tables with ``at`` and the fields of
    :class:`Conditions` (omit ``lightning_distance`` for no lightning)."""
    try:
        data = tomllib.loads(path.read_text())
    except OSError as exc:
        raise ScriptError(f"{path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScriptError(f"{path}: {exc}") from None
    raw_steps = data.get("step")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise ScriptError(f"{path}: no [[step]] tables")
    steps = []
    for number, raw in enumerate(raw_steps, start=1):
        fields = dict(raw)
        at = fields.pop("at", None)
        if not isinstance(at, int | float) or isinstance(at, bool) or at < 0:
            raise ScriptError(f"{path}: step {number}: at must be mission seconds >= 0")
        try:
            conditions = Conditions.model_validate(fields)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(part) for part in first["loc"])
            raise ScriptError(f"{path}: step {number}: {where}: {first['msg']}") from None
        steps.append(Step(float(at), conditions))
    return Script(str(data.get("name", path.stem)), tuple(steps))


class ScriptedSource:
    """Plays a script against the mission clock.

    ``start`` is the mission time of the script's zero. In a simulation every process shares the
    clock's epoch, so the weather service passes it and a restart does not rewind the front.
    """

    def __init__(self, script: Script, clock: MissionClock, start: float | None = None) -> None:
        self.script = script
        self.clock = clock
        self.start = clock.now() if start is None else start

    @property
    def name(self) -> str:
        return f"script:{self.script.name}"

    def current(self) -> Conditions:
        return self.script.at(self.clock.now() - self.start)
