"""The weather service's HTTP API.

- ``GET /conditions``: the current reading and where it came from;
- ``GET /go``: the verdict with every reason for a no-go, and the conditions it was made on
  (Command records both with its poll, so the answer must carry the evidence);
- ``PUT /conditions`` / ``DELETE /conditions``: an operator imposes conditions, or hands back to
  the source (bearer token of a caller in :data:`OPERATORS`);
- ``PUT /script``: an operator has a built-in script played from now (the simulation gives each
  mission its scenario's weather this way).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, g
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ground.weather.conditions import Conditions
from ground.weather.playing import Playing
from ground.weather.rules import LaunchCriteria, NoGoReason, evaluate
from ground.weather.source import SCRIPTS, ScriptedSource
from ground.weather.station import Reading, Station
from ground.web import Api, body
from marsy.settings import GroundSettings

OPERATORS = ("operator",)
"""Callers (names in ``api_tokens``) who may set the weather; Command only reads it."""


class GoAnswer(BaseModel):
    model_config = ConfigDict(frozen=True)

    go: bool
    reasons: tuple[NoGoReason, ...]
    conditions: Conditions
    source: str
    ts: float


class PlayScript(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="a built-in script: " + ", ".join(sorted(SCRIPTS)))

    @field_validator("name")
    @classmethod
    def _known(cls, name: str) -> str:
        if name not in SCRIPTS:
            raise ValueError(f"no weather script {name!r}; built in: {', '.join(sorted(SCRIPTS))}")
        return name


def create_app(
    settings: GroundSettings,
    station: Station,
    criteria: LaunchCriteria | None = None,
    remember: Callable[[Playing], None] | None = None,
) -> Flask:
    """The Flask app over ``station``, judged by ``criteria`` (the defaults if ``None``);
    ``remember`` keeps each script played, for the service's next start."""
    limits = criteria or LaunchCriteria()
    app = Flask("marsy.weather")
    api = Api("MarsY weather", settings.api_tokens)

    @api.route(app, "/conditions", answer=Reading)
    def conditions() -> Reading:
        """Current conditions at the pad."""
        return station.read()

    @api.route(app, "/go", answer=GoAnswer)
    def go() -> GoAnswer:
        """Weather go/no-go with every reason against, and the conditions judged."""
        reading = station.read()
        verdict = evaluate(reading.conditions, limits)
        return GoAnswer(
            go=verdict.go,
            reasons=verdict.reasons,
            conditions=reading.conditions,
            source=reading.source,
            ts=reading.ts,
        )

    @api.route(
        app,
        "/conditions",
        method="PUT",
        body=Conditions,
        answer=Reading,
        auth=True,
        callers=OPERATORS,
    )
    def impose() -> Reading:
        """Impose conditions (until DELETE), e.g. to rehearse a weather scrub."""
        return station.impose(body(Conditions), g.caller)

    @api.route(app, "/conditions", method="DELETE", answer=Reading, auth=True, callers=OPERATORS)
    def release() -> Reading:
        """Hand the conditions back to the source."""
        return station.release()

    @api.route(
        app, "/script", method="PUT", body=PlayScript, answer=Reading, auth=True, callers=OPERATORS
    )
    def play() -> Reading:
        """Play a built-in script from now on (imposed conditions still come first)."""
        name = body(PlayScript).name
        source = ScriptedSource(SCRIPTS[name], station.clock)
        reading = station.play(source)
        if remember is not None:
            remember(Playing(name, source.start))
        return reading

    api.install(app, lambda: {"status": "ok", "source": station.source.name})
    return app
