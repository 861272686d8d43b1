"""The payload detach decision, as pure functions of the flight and of the orders given.

The detach is due once staging is confirmed (the rocket's own ``stage_separation`` event for this
mission: the original design's fear was the payload leaving before the booster) and the
target orbit is reached: the rocket reports its orbit phase, or, engines off, its periapsis is above
``target_periapsis``. Never twice: not once the satellite reported itself detached, nor after
the rocket accepted the order.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

from ground.steering.flight import FlightView, RocketSample
from ground.steering.steps import OutOfOrder, Proposal, StepSpec, require_current
from ground.steering.store import Order, Outcome
from marsy.protocol import CommandAction, EventType, FlightPhase

DETACH = "detach"
SPECS = {DETACH: StepSpec("payload detach", EventType.PAYLOAD_DETACHED)}
WATCHED = frozenset({EventType.STAGE_SEPARATION, EventType.PAYLOAD_DETACHED})
FIGURES = ("altitude", "inertial_velocity", "apoapsis", "periapsis")
NOT_STAGED = "no payload detach before stage separation"


class DetachCriteria(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    target_periapsis: float | None = Field(default=150_000.0, gt=0.0)
    """m: with the engines off, a periapsis this high is the target orbit even if the rocket
    does not report an orbit phase (``None``: only its orbit phase counts)."""


def staged(view: FlightView) -> bool:
    return EventType.STAGE_SEPARATION in view.milestones


def detached(view: FlightView, orders: Mapping[str, Order]) -> bool:
    order = orders.get(DETACH)
    return EventType.PAYLOAD_DETACHED in view.milestones or (
        order is not None and order.outcome is Outcome.ACCEPTED
    )


def in_target_orbit(rocket: RocketSample, criteria: DetachCriteria) -> str | None:
    """Why the rocket is in the target orbit, or ``None`` while it is not."""
    apoapsis = rocket.values.get("apoapsis")
    periapsis = rocket.values.get("periapsis")
    if rocket.phase is FlightPhase.ORBIT:
        if apoapsis is not None and periapsis is not None:
            return f"orbit reached, {apoapsis / 1000:.0f} x {periapsis / 1000:.0f} km"
        return "orbit reached"
    target = criteria.target_periapsis
    if (
        target is not None
        and rocket.phase is FlightPhase.COAST
        and periapsis is not None
        and periapsis >= target
    ):
        return f"periapsis {periapsis / 1000:.0f} km, above the {target / 1000:.0f} km target"
    return None


def propose(
    view: FlightView, orders: Mapping[str, Order], criteria: DetachCriteria
) -> list[Proposal]:
    """The detach, when due."""
    rocket = view.rocket
    if rocket is None or not staged(view) or detached(view, orders):
        return []
    reached = in_target_orbit(rocket, criteria)
    if reached is None:
        return []
    return [Proposal(DETACH, CommandAction.DETACH, reached)]


def manual_detach(
    view: FlightView,
    orders: Mapping[str, Order],
    mission_id: str,
    reason: str,
    criteria: DetachCriteria,
) -> Proposal:
    """An operator's detach order, if the flight allows it; :class:`OutOfOrder` says why not."""
    require_current(view, mission_id)
    if not staged(view):
        raise OutOfOrder(NOT_STAGED)
    if detached(view, orders):
        raise OutOfOrder("the payload is already detached")
    order = orders.get(DETACH)
    if order is not None and order.outcome is Outcome.PENDING:
        raise OutOfOrder(f"payload detach already ordered ({order.command_id}), awaiting the ack")
    rocket = view.rocket
    if rocket is None or in_target_orbit(rocket, criteria) is None:
        phase = rocket.phase if rocket is not None else "unknown"
        raise OutOfOrder(f"the payload detaches in the target orbit only (rocket is {phase})")
    return Proposal(DETACH, CommandAction.DETACH, f"manual order: {reason}")
