"""Staging's decisions, as pure functions of the flight and of the orders already given.

- **Max-Q throttle-down**, only if the board did not do it: the rocket has been in its Max-Q
  phase for ``board_grace`` seconds and its throttle still reads above ``bucket_tolerance`` →
  THROTTLE to the bucket. Once past Max-Q (back in ascent) a bucket the ground imposed is lifted
  again by the ground (the board keeps a commanded throttle until told otherwise).
- **Stage separation** when first-stage propellant falls below ``separate_below`` in a phase
  where the rocket can separate, or once the first stage has cut off by itself (MECO: the
  rocket coasts, still stacked) with more kept for its way home (a return to the launch
  site). Never while the stages are known apart (the rocket's own event, or an accepted
  order): the rocket reports 0 % first-stage propellant once separated.

Phases in which the rocket accepts a separation come from the contract's command table.

An operator's separation (``POST /stage``) keeps to the same envelope: first-stage propellant
below ``separate_below`` or the first stage's engines cut off (MECO: the rocket coasts). Outside
it the order needs ``force`` and a reason, and is recorded as forced: a separation with the
booster full of propellant loses it (an operator once staged at T+13 s with 88.7 % left).
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
from marsy.protocol import ROCKET_ACCEPTS, CommandAction, Device, EventType, FlightPhase
from marsy.protocol.parameters import names_of, parameter

SEPARATE = "separate"
THROTTLE_DOWN = "throttle-down"
THROTTLE_UP = "throttle-up"

SPECS = {
    SEPARATE: StepSpec("stage separation", EventType.STAGE_SEPARATION),
    THROTTLE_DOWN: StepSpec("Max-Q throttle-down", EventType.THROTTLE_DOWN),
    THROTTLE_UP: StepSpec("throttle-up after Max-Q", EventType.THROTTLE_UP),
}
WATCHED = frozenset({EventType.STAGE_SEPARATION})
FUEL = parameter(Device.ROCKET, "fuel_stage1")
THROTTLE = parameter(Device.ROCKET, "throttle")
FIGURES = names_of(
    Device.ROCKET, FUEL.name, THROTTLE.name, "dynamic_pressure", "altitude", "velocity"
)
SEPARABLE = ROCKET_ACCEPTS[CommandAction.SEPARATE]
"""Where the rocket accepts a separation (the rocket's own table, from the contract)."""


class StagingCriteria(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    separate_below: float = Field(default=8.0, gt=0.0, lt=100.0)
    """% first-stage propellant under which the stages separate (the MarsY specification)."""
    bucket_throttle: float = Field(default=80.0, ge=40.0, le=100.0)
    """% throttle through Max-Q: "the speed is reduced by 20 %" (40 %: the engines' floor)."""
    bucket_tolerance: float = Field(default=85.0, gt=0.0, le=100.0)
    """% throttle above which, in Max-Q, the board has not throttled down."""
    board_grace: float = Field(default=1.0, ge=0.0)
    """Mission seconds the board gets to throttle itself once in Max-Q."""
    full_throttle: float = Field(default=100.0, gt=0.0, le=100.0)


def separated(view: FlightView, orders: Mapping[str, Order]) -> bool:
    """The stages are known apart: the rocket said so, or accepted our order."""
    order = orders.get(SEPARATE)
    return EventType.STAGE_SEPARATION in view.milestones or (
        order is not None and order.outcome is Outcome.ACCEPTED
    )


def propose(
    view: FlightView, orders: Mapping[str, Order], criteria: StagingCriteria
) -> list[Proposal]:
    """The orders due now (the caller places each at most once per mission)."""
    rocket = view.rocket
    if rocket is None or separated(view, orders):
        return []
    due: list[Proposal] = []
    fuel = rocket.values.get(FUEL.name)
    throttle = rocket.values.get(THROTTLE.name)
    if (
        rocket.phase is FlightPhase.MAX_Q
        and throttle is not None
        and throttle > criteria.bucket_tolerance
        and rocket.ts - rocket.phase_since >= criteria.board_grace
    ):
        due.append(
            Proposal(
                THROTTLE_DOWN,
                CommandAction.THROTTLE,
                f"Max-Q and the board still at {throttle:.0f} % throttle",
                level=criteria.bucket_throttle,
            )
        )
    down = orders.get(THROTTLE_DOWN)
    if (
        down is not None
        and down.outcome is Outcome.ACCEPTED
        and rocket.phase is FlightPhase.ASCENT
        and (throttle is None or throttle < criteria.full_throttle - 1.0)
    ):
        due.append(
            Proposal(
                THROTTLE_UP,
                CommandAction.THROTTLE,
                "past Max-Q",
                level=criteria.full_throttle,
            )
        )
    if rocket.phase in SEPARABLE and fuel is not None and fuel < criteria.separate_below:
        due.append(
            Proposal(
                SEPARATE,
                CommandAction.SEPARATE,
                f"first-stage propellant at {fuel:.1f} % (below {criteria.separate_below:g} %)",
            )
        )
    elif rocket.phase is FlightPhase.COAST and fuel is not None and fuel > 0.0:
        due.append(
            Proposal(
                SEPARATE,
                CommandAction.SEPARATE,
                f"first stage cut off by itself, {fuel:.1f} % kept for its way home",
            )
        )
    return due


def outside_envelope(rocket: RocketSample, criteria: StagingCriteria) -> str | None:
    """Why the rules would not separate the stages now (propellant left, engines burning), or
    ``None`` inside the envelope: propellant below ``separate_below``, or after the first
    stage's cut-off."""
    fuel = rocket.values.get(FUEL.name)
    if rocket.phase is FlightPhase.COAST or (fuel is not None and fuel < criteria.separate_below):
        return None
    left = "unknown" if fuel is None else f"{fuel:.1f} %"
    return (
        f"first-stage propellant {left}, not below {criteria.separate_below:g} %, "
        f"and no cut-off yet (phase {rocket.phase})"
    )


def manual_separation(
    view: FlightView,
    orders: Mapping[str, Order],
    mission_id: str,
    reason: str,
    criteria: StagingCriteria | None = None,
    *,
    force: bool = False,
) -> Proposal:
    """An operator's separation order, if the flight allows it (:class:`OutOfOrder` says why
    not) and it is inside the envelope or ``force``d (:class:`OutsideEnvelope` otherwise)."""
    require_current(view, mission_id)
    if separated(view, orders):
        raise OutOfOrder("the stages are already separated")
    order = orders.get(SEPARATE)
    if order is not None and order.outcome is Outcome.PENDING:
        raise OutOfOrder(f"stage separation already ordered ({order.command_id}), awaiting the ack")
    rocket = view.rocket
    if rocket is None:
        raise OutOfOrder(f"no rocket telemetry yet for mission {mission_id}")
    if rocket.phase not in SEPARABLE:
        raise OutOfOrder(f"no stage separation in phase {rocket.phase}")
    outside = outside_envelope(rocket, criteria or StagingCriteria())
    if outside is None:
        return Proposal(SEPARATE, CommandAction.SEPARATE, f"manual order: {reason}")
    if not force:
        raise OutsideEnvelope(
            f"manual separation outside the envelope: {outside}; "
            "send force=true with a reason to override"
        )
    return Proposal(
        SEPARATE,
        CommandAction.SEPARATE,
        f"manual order, forced outside the envelope ({outside}): {reason}",
        forced=True,
    )
