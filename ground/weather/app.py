"""The weather service's HTTP API.

- ``GET /conditions``: the current reading and where it came from;
- ``GET /go``: the verdict with every reason for a no-go, and the conditions it was made on
  (Command records both with its poll, so the answer must carry the evidence);
- ``PUT /conditions`` / ``DELETE /conditions``: an operator imposes conditions, or hands back to
  the source (bearer token of a caller in :data:`OPERATORS`).
"""

from __future__ import annotations

from flask import Flask, g
from pydantic import BaseModel, ConfigDict

from ground.weather.conditions import Conditions
from ground.weather.rules import LaunchCriteria, NoGoReason, evaluate
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


def create_app(
    settings: GroundSettings, station: Station, criteria: LaunchCriteria | None = None
) -> Flask:
    """The Flask app over ``station``, judged by ``criteria`` (the defaults if ``None``)."""
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

    api.install(app, lambda: {"status": "ok", "source": station.source.name})
    return app
