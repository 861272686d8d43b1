"""The core of a steering service (staging, payload): the view of the flight, the orders of the
current mission and the rules that propose new ones. Thread-safe, no I/O but its store.

The bus loop (:mod:`ground.steering.steering`) feeds it messages and sends the orders it hands
out; the HTTP views read its status and place manual orders. Rules and operators both go through
one placement under one lock, so they cannot order the same step twice between them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from ground.steering.flight import FlightView, RocketSample, vehicle_event
from ground.steering.store import AUTO, Order, OrderStore, Outcome, command_id
from marsy.clock import MissionClock
from marsy.protocol import (
    CommandAck,
    CommandAction,
    Device,
    DeviceTelemetry,
    EventType,
    Message,
    MissionEvent,
    MissionState,
    MissionStatus,
    may_report,
    prerequisites_of,
    unmet,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Proposal:
    """A step the rules (or an operator) want ordered now, and why."""

    step: str
    action: CommandAction
    why: str
    level: float | None = None
    device: Device = Device.ROCKET
    forced: bool = False
    """An operator's order outside the envelope, given with ``force`` (recorded as such)."""


@dataclass(frozen=True)
class StepSpec:
    """How a step is spoken of, and the event published once the device accepted it."""

    title: str
    acked: EventType


class OutOfOrder(Exception):
    """A step the flight does not allow now; the message says why (answered 409)."""


class OutsideEnvelope(OutOfOrder):
    """A manual step the flight allows but the rules would not order now (answered 409); the
    operator may insist with ``force`` and a reason."""


Rules = Callable[[FlightView, Mapping[str, Order]], list[Proposal]]
"""What is due now, given the flight and the latest attempt of each step of the mission."""
ManualRule = Callable[[FlightView, Mapping[str, Order]], Proposal]
"""An operator's request checked against the flight: the proposal, or :class:`OutOfOrder`."""


def require_current(view: FlightView, mission_id: str) -> None:
    """:class:`OutOfOrder` unless ``mission_id`` is the mission flying now."""
    if view.mission_id is None:
        raise OutOfOrder("no mission announced")
    if mission_id != view.mission_id:
        raise OutOfOrder(f"mission {mission_id} is not the current one ({view.mission_id})")
    if not view.active:
        raise OutOfOrder(f"mission {mission_id} is {view.state}")


class Status(BaseModel):
    """What ``GET /status`` answers: the mission, the rocket's figures, milestones, orders."""

    model_config = ConfigDict(frozen=True)

    service: str
    mission_id: str | None
    mission_state: MissionState | None
    rocket: RocketSample | None
    milestones: dict[EventType, float]
    orders: list[Order]
    """Every attempt of every step of the mission, oldest first."""


@dataclass(frozen=True)
class Due:
    placed: list[Order]
    """Orders the rules placed just now (to announce)."""
    pending: list[Order]
    """Every order of the current mission still waiting for its answer (to send)."""
    manual: list[Order] = field(default_factory=list)
    """Operators' orders placed since the last look (to announce)."""


class Steps:
    def __init__(
        self,
        source: str,
        store: OrderStore,
        rules: Rules,
        clock: MissionClock,
        *,
        watched: frozenset[EventType],
        figures: tuple[str, ...] = (),
        retry_after: float = 10.0,
        max_attempts: int = 3,
    ) -> None:
        """``watched``: the vehicle events the rules depend on (the events they follow are kept
        too, to judge their order); ``figures``: the rocket parameters shown in the status. A
        refused step is placed again by the rules at most ``max_attempts`` times in all,
        ``retry_after`` mission seconds after the refusal (time enough for the vehicle's own
        event to show it had happened after all)."""
        self.source = source
        self.store = store
        self.rules = rules
        self.clock = clock
        self.watched = watched
        self.followed = watched | prerequisites_of(watched)
        self.figures = figures
        self.retry_after = retry_after
        self.max_attempts = max_attempts
        self._view = FlightView()
        self._latest: dict[str, Order] = {}
        self._manual: list[Order] = []
        """Operators' orders placed since the last :meth:`due`, to announce with the rules'."""
        self._lock = threading.Lock()
        self._settled = threading.Condition(self._lock)

    @property
    def mission_id(self) -> str | None:
        return self._view.mission_id

    # --- following the flight -----------------------------------------------------------------

    def observe(self, message: Message) -> list[EventType]:
        """Take one bus message; returns the watched events newly seen for the current
        mission."""
        with self._lock:
            if isinstance(message, MissionStatus):
                if self._view.on_status(message):
                    self._load(message.mission_id)
            elif isinstance(message, DeviceTelemetry):
                self._view.on_rocket(message)
            elif isinstance(message, MissionEvent) and message.event in self.followed:
                return self._milestone(message)
        return []

    def _milestone(self, message: MissionEvent) -> list[EventType]:
        mission_id, event = message.mission_id, message.event
        current = mission_id == self._view.mission_id
        believed = self._view.milestones if current else self.store.milestones(mission_id)
        if not vehicle_event(message, self.followed, believed):
            missing = unmet(event, believed.keys())
            if missing and may_report(message.source, event):
                logger.warning(
                    "%s: %s from the %s before %s, not taken",
                    self.source,
                    event,
                    message.source,
                    " and ".join(missing),
                )
            return []
        # Kept for any mission: its status may come after the event on another topic.
        new = self.store.note(mission_id, event, message.source, message.ts, message.detail)
        if current:
            self._view.on_milestone(event, message.ts)
            return [event] if new and event in self.watched else []
        return []

    def _load(self, mission_id: str) -> None:
        for order in self.store.abandon_others(mission_id, self.clock.now()):
            logger.warning(
                "%s: %s of mission %s abandoned unanswered",
                self.source,
                order.step,
                order.mission_id,
            )
        self._latest = {order.step: order for order in self.store.orders(mission_id)}
        self._view.milestones = self.store.milestones(mission_id)

    # --- ordering -----------------------------------------------------------------------------

    def due(self) -> Due:
        """Let the rules place what is due, and hand out every order still to be answered."""
        with self._lock:
            manual, self._manual = self._manual, []
            if not self._view.active:
                return Due([], [], manual)
            placed = []
            for proposal in self.rules(self._view, dict(self._latest)):
                order = self._place(proposal, AUTO)
                if order is not None:
                    placed.append(order)
            pending = [o for o in self._latest.values() if o.outcome is Outcome.PENDING]
            return Due(placed, pending, manual)

    def manual(self, rule: ManualRule, caller: str) -> Order:
        """Place an operator's order if the flight allows it; :class:`OutOfOrder` otherwise."""
        with self._lock:
            proposal = rule(self._view, dict(self._latest))
            order = self._place(proposal, caller)
            if order is None:
                raise OutOfOrder(f"{proposal.step} is already ordered")
            self._manual.append(order)
            return order

    def _place(self, proposal: Proposal, origin: str) -> Order | None:
        mission_id = self._view.mission_id
        assert mission_id is not None
        latest = self._latest.get(proposal.step)
        if latest is None:
            attempt = 1
        elif latest.outcome is Outcome.REFUSED and (origin != AUTO or self._may_retry(latest)):
            attempt = latest.attempt + 1
        else:
            return None
        order = Order(
            mission_id=mission_id,
            step=proposal.step,
            attempt=attempt,
            command_id=command_id(self.source, proposal.step),
            device=proposal.device,
            action=proposal.action,
            level=proposal.level,
            origin=origin,
            why=proposal.why,
            forced=proposal.forced,
            ordered_at=self.clock.now(),
        )
        if not self.store.place(order):
            return None
        self._latest[order.step] = order
        return order

    def _may_retry(self, refused: Order) -> bool:
        answered = refused.answered_at if refused.answered_at is not None else refused.ordered_at
        return (
            refused.attempt < self.max_attempts and self.clock.now() - answered >= self.retry_after
        )

    def settle(self, order: Order, ack: CommandAck) -> Order:
        """Record the device's answer to ``order``."""
        outcome = Outcome.ACCEPTED if ack.accepted else Outcome.REFUSED
        with self._lock:
            settled = self.store.settle(order, outcome, ack.reason, self.clock.now())
            latest = self._latest.get(order.step)
            if latest is not None and latest.command_id == settled.command_id:
                self._latest[order.step] = settled
            self._settled.notify_all()
        return settled

    def wait(self, order: Order, timeout: float) -> Order:
        """``order`` as it stands once answered, or after ``timeout`` wall seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                current = self._latest.get(order.step)
                if current is None or current.command_id != order.command_id:
                    return order
                remaining = deadline - time.monotonic()
                if current.outcome is not Outcome.PENDING or remaining <= 0:
                    return current
                self._settled.wait(remaining)

    # --- reading ------------------------------------------------------------------------------

    def status(self) -> Status:
        with self._lock:
            view = self._view
            rocket = view.rocket
            if rocket is not None and self.figures:
                shown = {k: v for k, v in rocket.values.items() if k in self.figures}
                rocket = rocket.model_copy(update={"values": shown})
            orders = self.store.orders(view.mission_id) if view.mission_id else []
            return Status(
                service=self.source,
                mission_id=view.mission_id,
                mission_state=view.state,
                rocket=rocket,
                milestones=dict(view.milestones),
                orders=orders,
            )

    def latest(self, step: str) -> Order | None:
        with self._lock:
            return self._latest.get(step)
