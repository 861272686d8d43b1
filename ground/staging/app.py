"""The staging service's HTTP API.

- ``GET /status`` (open): the mission, the rocket's figures, the stage separation if seen, and
  every order staging gave this mission with the rocket's answer;
- ``POST /stage`` (bearer token): separate the stages now, for the mission named in the body.
  409 with the reason when the flight does not allow it (already separated or ordered, a phase
  without separation, another mission); otherwise the order as it stands after a short wait for
  the rocket's answer: 200 once acknowledged, 202 while the rocket has not answered yet.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from flask import Flask, g
from pydantic import BaseModel, ConfigDict, StringConstraints

from ground.staging.rules import manual_separation
from ground.steering.steps import OutOfOrder, Status, Steps
from ground.steering.store import Order, Outcome
from ground.web import Api, ApiError, body
from marsy.protocol.messages import MissionId
from marsy.settings import GroundSettings


class StageRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    mission_id: MissionId
    """The mission the caller means to stage: a request for another one is refused."""
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    """Why the operator stages by hand; recorded with the order."""


def create_app(
    settings: GroundSettings,
    steps: Steps,
    health: Callable[[], Mapping[str, Any]],
    *,
    answer_wait: float = 5.0,
) -> Flask:
    """The Flask app over the staging core; ``answer_wait`` wall seconds a manual order waits
    for the rocket's answer before it is answered 202."""
    app = Flask("marsy.staging")
    api = Api("MarsY staging", settings.api_tokens)

    @api.route(app, "/status", answer=Status)
    def status() -> Status:
        """The current mission, the rocket's figures, milestones and staging's orders."""
        return steps.status()

    @api.route(app, "/stage", method="POST", body=StageRequest, answer=Order, auth=True)
    def stage() -> tuple[Order, int]:
        """Separate the stages now (once per mission)."""
        request = body(StageRequest)
        try:
            order = steps.manual(
                lambda view, orders: manual_separation(
                    view, orders, request.mission_id, request.reason
                ),
                g.caller,
            )
        except OutOfOrder as exc:
            raise ApiError(409, "out_of_order", str(exc)) from None
        order = steps.wait(order, answer_wait)
        if order.outcome is Outcome.REFUSED:
            raise ApiError(409, "refused", f"the rocket refused the separation: {order.answer}")
        return order, 202 if order.outcome is Outcome.PENDING else 200

    api.install(app, health)
    return app
