"""The HTTP API every steering service has: ``GET /status`` and one authenticated manual order.

Staging (``POST /stage``) and payload (``POST /detach``) differ only in the order's name and in
the rule that decides whether it may be placed now. An order the flight allows but the
service's own rules would not give now (outside the envelope: staging with propellant left,
a detach short of the target orbit) is refused with 409 ``outside_envelope`` naming the rule,
unless the operator sends ``"force": true``; the order then carries ``forced`` and the reason,
and the mission log says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from flask import Flask, g
from pydantic import BaseModel, ConfigDict, StringConstraints

from ground.steering.flight import FlightView
from ground.steering.steps import OutOfOrder, OutsideEnvelope, Proposal, Status, Steps
from ground.steering.store import Order, Outcome
from ground.web import Api, ApiError, body
from marsy.protocol.messages import MissionId
from marsy.settings import GroundSettings


class ManualOrder(BaseModel):
    """An operator's order for the named mission, with the reason recorded beside it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mission_id: MissionId
    """The mission the caller means: an order for another one is refused."""
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    """Why the operator orders it by hand; recorded with the order."""
    force: bool = False
    """Order it even outside the envelope the rules keep to (recorded as forced, with the
    reason); never past a step out of order."""


Manual = Callable[[FlightView, Mapping[str, Order], str, str, bool], Proposal]
"""The rule for a manual order: (flight, orders so far, mission id, reason, force) → the order,
or :class:`OutOfOrder` with the reason (:class:`OutsideEnvelope` when ``force`` would do)."""


def create_steering_app(
    settings: GroundSettings,
    steps: Steps,
    health: Callable[[], Mapping[str, Any]],
    *,
    name: str,
    path: str,
    what: str,
    manual: Manual,
    answer_wait: float = 5.0,
) -> Flask:
    """``answer_wait``: wall seconds a manual order waits for the rocket's answer before it is
    answered 202 (accepted, not yet acknowledged)."""
    app = Flask(f"marsy.{name}")
    api = Api(f"MarsY {name}", settings.api_tokens)

    @api.route(app, "/status", answer=Status)
    def status() -> Status:
        """The current mission, the rocket's figures, the milestones and the orders."""
        return steps.status()

    @api.route(
        app,
        path,
        method="POST",
        body=ManualOrder,
        answer=Order,
        auth=True,
        statuses={
            200: "placed and acknowledged by the rocket",
            202: "placed; the rocket has not answered yet",
            409: "out of order, outside the envelope without force, or refused by the rocket",
        },
    )
    def order_now() -> tuple[Order, int]:
        """Place the order now (once per mission, when the flight allows it)."""
        request = body(ManualOrder)
        try:
            order = steps.manual(
                lambda view, orders: manual(
                    view, orders, request.mission_id, request.reason, request.force
                ),
                g.caller,
            )
        except OutsideEnvelope as exc:
            raise ApiError(409, "outside_envelope", str(exc)) from None
        except OutOfOrder as exc:
            raise ApiError(409, "out_of_order", str(exc)) from None
        order = steps.wait(order, answer_wait)
        if order.outcome is Outcome.REFUSED:
            raise ApiError(409, "refused", f"the rocket refused the {what}: {order.answer}")
        return order, 202 if order.outcome is Outcome.PENDING else 200

    api.install(app, health)
    return app
