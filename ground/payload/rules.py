"""The payload detach decision, as pure functions of the flight and of the orders given.

The detach is due once staging is confirmed (the rocket's own ``stage_separation`` event for this
mission: the original design's fear was the payload leaving before the booster) and the
target orbit is reached: the rocket reports its orbit phase, or, engines off, its periapsis is above
``target_periapsis``. Never twice: not once the satellite reported itself detached, nor after
the rocket accepted the order.

An operator's detach (``POST /detach``) keeps to the same envelope: after staging always (that
is flight order, never overridden), and in the target orbit unless the operator sends ``force``
with a reason; the order is then recorded as forced.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

from ground.steering.flight import FlightView, RocketSample
from ground.steering.steps import (
    OutOfOrder,
    OutsideEnvelope,
    Proposal,
    StepSpec,
    require_current,
)
from ground.steering.store import Order, Outcome
from marsy.protocol import CommandAction, Device, EventType, FlightPhase
from marsy.protocol.parameters import names_of, parameter

DETACH = "detach"
SPECS = {DETACH: StepSpec("payload detach", EventType.PAYLOAD_DETACHED)}
WATCHED = frozenset({EventType.STAGE_SEPARATION, EventType.PAYLOAD_DETACHED})
APOAPSIS = parameter(Device.ROCKET, "apoapsis")
PERIAPSIS = parameter(Device.ROCKET, "periapsis")
FIGURES = names_of(Device.ROCKET, "altitude", "inertial_velocity", APOAPSIS.name, PERIAPSIS.name)
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
    apoapsis = rocket.values.get(APOAPSIS.name)
    periapsis = rocket.values.get(PERIAPSIS.name)
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


def outside_envelope(rocket: RocketSample | None, criteria: DetachCriteria) -> str | None:
    """Why the rules would not detach now (the target orbit not reached), or ``None``."""
    if rocket is None:
        return "target orbit not known (no rocket telemetry)"
    if in_target_orbit(rocket, criteria) is not None:
        return None
    periapsis = rocket.values.get(PERIAPSIS.name)
    target = criteria.target_periapsis
    figures = f"rocket in phase {rocket.phase}"
    if periapsis is not None and target is not None:
        figures += f", periapsis {periapsis / 1000:.0f} km below the {target / 1000:.0f} km target"
    return f"target orbit not reached ({figures})"


def manual_detach(
    view: FlightView,
    orders: Mapping[str, Order],
    mission_id: str,
    reason: str,
    criteria: DetachCriteria,
    *,
    force: bool = False,
) -> Proposal:
    """An operator's detach order, if the flight allows it (:class:`OutOfOrder` says why not)
    and in the target orbit or ``force``d (:class:`OutsideEnvelope` otherwise)."""
    require_current(view, mission_id)
    if not staged(view):
        raise OutOfOrder(NOT_STAGED)
    if detached(view, orders):
        raise OutOfOrder("the payload is already detached")
    order = orders.get(DETACH)
    if order is not None and order.outcome is Outcome.PENDING:
        raise OutOfOrder(f"payload detach already ordered ({order.command_id}), awaiting the ack")
    outside = outside_envelope(view.rocket, criteria)
    if outside is None:
        return Proposal(DETACH, CommandAction.DETACH, f"manual order: {reason}")
    if not force:
        raise OutsideEnvelope(
            f"manual detach outside the envelope: {outside}; "
            "send force=true with a reason to override"
        )
    return Proposal(
        DETACH,
        CommandAction.DETACH,
        f"manual order, forced outside the envelope ({outside}): {reason}",
        forced=True,
    )
