"""The payload service's HTTP API.

- ``GET /status`` (open): the mission, the rocket's orbit figures, whether staging is confirmed
  and the payload away, and every detach order with the rocket's answer;
- ``POST /detach`` (bearer token): detach the payload now, for the mission named in the body.
  409 ``no payload detach before stage separation`` until the rocket reported the separation
  (and 409 with the reason for any other step out of order); otherwise the order after a short
  wait for the rocket's answer: 200 once acknowledged, 202 while it has not answered yet.
- ``GET /health``: the detach loop's and the satellite recorder's counters, with its ledger.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from flask import Flask, g
from pydantic import BaseModel, ConfigDict, StringConstraints

from ground.payload.rules import DetachCriteria, manual_detach
from ground.steering.steps import OutOfOrder, Status, Steps
from ground.steering.store import Order, Outcome
from ground.web import Api, ApiError, body
from marsy.protocol.messages import MissionId
from marsy.settings import GroundSettings


class DetachRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    mission_id: MissionId
    """The mission whose payload the caller means to detach: another one is refused."""
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    """Why the operator detaches by hand; recorded with the order."""


def create_app(
    settings: GroundSettings,
    steps: Steps,
    criteria: DetachCriteria,
    health: Callable[[], Mapping[str, Any]],
    *,
    answer_wait: float = 5.0,
) -> Flask:
    """The Flask app over the detach core; ``answer_wait`` wall seconds a manual order waits
    for the rocket's answer before it is answered 202."""
    app = Flask("marsy.payload")
    api = Api("MarsY payload", settings.api_tokens)

    @api.route(app, "/status", answer=Status)
    def status() -> Status:
        """The current mission, the rocket's orbit, milestones and the detach orders."""
        return steps.status()

    @api.route(app, "/detach", method="POST", body=DetachRequest, answer=Order, auth=True)
    def detach() -> tuple[Order, int]:
        """Detach the payload now (once per mission, only after stage separation)."""
        request = body(DetachRequest)
        try:
            order = steps.manual(
                lambda view, orders: manual_detach(
                    view, orders, request.mission_id, request.reason, criteria
                ),
                g.caller,
            )
        except OutOfOrder as exc:
            raise ApiError(409, "out_of_order", str(exc)) from None
        order = steps.wait(order, answer_wait)
        if order.outcome is Outcome.REFUSED:
            raise ApiError(409, "refused", f"the rocket refused the detach: {order.answer}")
        return order, 202 if order.outcome is Outcome.PENDING else 200

    api.install(app, health)
    return app
