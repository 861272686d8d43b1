"""The launchpad's HTTP API.

- ``GET /rocket-check`` (open): the rocket's last answer if it was asked at most
  :data:`SHARED_AGE` seconds ago (or is being asked now), else a new check; asking sends the
  rocket a command, so reads share one check instead of commanding a device each;
- ``POST /rocket-check`` (bearer, Command or an operator): a check begun at most
  :data:`FRESH_AGE` seconds before the call, for the mission named (Command's go/no-go poll);
- ``POST /launch`` (bearer, Command only): the ignition, on the weather's go asked again now
  (409 ``weather_no_go`` with the weather's reasons, or why it could not be asked).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from pydantic import BaseModel, ConfigDict

from ground.devices import NoAnswer
from ground.launchpad.cache import SharedCheck
from ground.launchpad.pad import Launchpad, Verdict, WeatherNoGo
from ground.web import Api, ApiError, body
from marsy.protocol.commanding import STANDBY
from marsy.protocol.messages import MissionId
from marsy.settings import GroundSettings

SHARED_AGE = 2.0
"""Wall seconds an open rocket check is shared: at most one status command per 2 s."""
FRESH_AGE = 0.5
"""Wall seconds old at most a check asked for by Command (or an operator) may be."""
CHECKERS = ("command", "operator")


class RocketCheck(BaseModel):
    go: bool
    reasons: list[str]
    detail: str
    age: float
    """Seconds since the rocket was asked."""


class CheckOrder(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mission_id: MissionId
    """The mission the check is for (the status command carries it)."""


class LaunchOrder(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mission_id: MissionId


class LaunchResult(BaseModel):
    mission_id: str
    launched: bool
    reason: str


def create_app(settings: GroundSettings, pad: Launchpad) -> Flask:
    app = Flask("launchpad")
    api = Api("MarsY launchpad", tokens=settings.api_tokens)

    checks = SharedCheck[Verdict](pad.check)

    def answer(max_age: float, mission_id: str, *, or_running: bool = False) -> RocketCheck:
        checked = checks.get(mission_id, max_age, or_running=or_running)
        verdict = checked.value
        age = round(checks.age(checked), 3)
        return RocketCheck(go=verdict.go, reasons=verdict.reasons, detail=verdict.detail, age=age)

    @api.route(app, "/rocket-check", answer=RocketCheck)
    def rocket_check() -> RocketCheck:
        """Whether the rocket can launch: its answer of the last 2 s, shared by every caller."""
        return answer(SHARED_AGE, pad.mission_id or STANDBY, or_running=True)

    @api.route(
        app,
        "/rocket-check",
        method="POST",
        body=CheckOrder,
        answer=RocketCheck,
        auth=True,
        callers=CHECKERS,
    )
    def fresh_rocket_check() -> RocketCheck:
        """Ask the rocket now whether it can launch, for the named mission."""
        return answer(FRESH_AGE, body(CheckOrder).mission_id)

    @api.route(
        app,
        "/launch",
        method="POST",
        body=LaunchOrder,
        answer=LaunchResult,
        auth=True,
        callers=["command"],
        statuses={
            409: "refused: launched already, the weather's no-go, or the rocket's refusal",
            504: "the rocket did not answer the ignition",
        },
    )
    def launch() -> tuple[LaunchResult, int]:
        """Order the ignition of the given mission's rocket."""
        order = body(LaunchOrder)
        try:
            launched, reason = pad.launch(order.mission_id)
        except NoAnswer as exc:
            raise ApiError(504, "no_answer", str(exc)) from None
        except WeatherNoGo as exc:
            raise ApiError(409, "weather_no_go", str(exc)) from None
        if not launched:
            raise ApiError(409, "refused", reason)
        return LaunchResult(mission_id=order.mission_id, launched=True, reason=reason), 200

    def health() -> dict[str, Any]:
        return {
            "service": "launchpad",
            "rocket_online": pad.rocket_online,
            "mission_id": pad.mission_id,
            "launched": sorted(pad.launched),
            "rocket_checks": {"made": checks.runs, "answered": checks.answers},
        }

    api.install(app, health)
    return app
