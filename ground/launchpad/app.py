"""The launchpad's HTTP API: ``GET /rocket-check`` (open), ``POST /launch`` (command only)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from pydantic import BaseModel, ConfigDict

from ground.devices import NoAnswer
from ground.launchpad.pad import Launchpad
from ground.web import Api, ApiError, body
from marsy.protocol.messages import MissionId
from marsy.settings import GroundSettings


class RocketCheck(BaseModel):
    go: bool
    reasons: list[str]
    detail: str


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

    @api.route(app, "/rocket-check", answer=RocketCheck)
    def rocket_check() -> RocketCheck:
        """Ask the rocket whether it can launch now."""
        mission_id = pad.mission_id or "standby"
        verdict = pad.check(mission_id)
        return RocketCheck(go=verdict.go, reasons=verdict.reasons, detail=verdict.detail)

    @api.route(
        app,
        "/launch",
        method="POST",
        body=LaunchOrder,
        answer=LaunchResult,
        auth=True,
        callers=["command"],
    )
    def launch() -> tuple[LaunchResult, int]:
        """Order the ignition of the given mission's rocket."""
        order = body(LaunchOrder)
        try:
            launched, reason = pad.launch(order.mission_id)
        except NoAnswer as exc:
            raise ApiError(504, "no_answer", str(exc)) from None
        if not launched:
            raise ApiError(409, "refused", reason)
        return LaunchResult(mission_id=order.mission_id, launched=True, reason=reason), 200

    def health() -> dict[str, Any]:
        return {
            "service": "launchpad",
            "rocket_online": pad.rocket_online,
            "mission_id": pad.mission_id,
            "launched": sorted(pad.launched),
        }

    api.install(app, health)
    return app
