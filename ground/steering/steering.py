"""The bus side of a steering service: feed the core with the flight, send its orders until the
device answers, and tell the mission (log, events, webcast) what was ordered and answered.

Subscriptions, and why at which QoS:

- the retained mission status, QoS 1: which mission is flying;
- the vehicles' events the rules depend on, QoS 1: a milestone is said once and must not be
  missed (the broker keeps it while the service is away; the core keeps it in its store);
- rocket telemetry, QoS 0: steering follows the live stream; a lost sample is superseded by the
  next, and a restarted service must not chew through a backlog of stale samples before it
  sees the present.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ground.devices import NoAnswer
from ground.runtime import GroundBus
from ground.steering.steps import Steps, StepSpec
from ground.steering.store import AUTO, Order, Outcome
from marsy.protocol import Channel, Device, EventType, LogLevel, Message, MissionStatus

logger = logging.getLogger(__name__)

MAX_BATCH = 2000
"""Messages taken from the inbox before the rules look again (they decide on the latest)."""


@dataclass
class SteeringStats:
    sent: int = 0
    """Orders sent (each round of retries of one order counts once)."""
    unanswered: int = 0
    """Rounds that ended without an answer (the order stays pending and is sent again)."""
    accepted: int = 0
    refused: int = 0
    failed: int = 0
    """Rounds of the loop that raised (logged with the traceback)."""


class Steering:
    def __init__(
        self,
        bus: GroundBus,
        steps: Steps,
        specs: Mapping[str, StepSpec],
        *,
        milestone_lines: Mapping[EventType, str] | None = None,
        send_timeout: float = 2.0,
    ) -> None:
        """``send_timeout``: wall seconds one round of sending waits for the answer before the
        loop looks at the flight again (the order is sent again on the next round)."""
        self.bus = bus
        self.steps = steps
        self.specs = specs
        self.milestone_lines = milestone_lines or {}
        self.send_timeout = send_timeout
        self.stats = SteeringStats()
        self._sent: set[str] = set()

    def subscribe(self, event_sources: Iterable[Device]) -> None:
        """Subscribe (before the bus starts) to the status, rocket telemetry and the events of
        ``event_sources``."""
        topics = self.bus.topics
        self.bus.subscribe(topics.mission_status)
        for device in event_sources:
            self.bus.subscribe(topics.topic(Channel.EVENTS, device))
        self.bus.bus.subscribe(topics.topic(Channel.TELEMETRY, Device.ROCKET), qos=0)

    def run(self, stop: threading.Event) -> None:
        """Follow the flight and give the orders until ``stop``."""
        while not stop.is_set():
            try:
                self._round(stop)
            except Exception:  # a bug in one round must not silence the service for the flight
                self.stats.failed += 1
                logger.exception("%s: steering round failed; going on", self.bus.name)
                stop.wait(1.0)

    def _round(self, stop: threading.Event) -> None:
        self._take(self.bus.next(timeout=0.1))
        due = self.steps.due()
        for order in [*due.manual, *due.placed]:
            self._announce_placed(order)
        for order in due.pending:
            if stop.is_set():
                return
            self._send(order)

    def _take(self, message: Message | None) -> None:
        taken = 0
        while message is not None:
            for event in self.steps.observe(message):
                self._announce_milestone(event)
            if isinstance(message, MissionStatus):
                self.bus.mission_id = self.steps.mission_id
            taken += 1
            if taken >= MAX_BATCH:
                return
            message = self.bus.next(timeout=0)

    def _send(self, order: Order) -> None:
        spec = self.specs[order.step]
        if order.command_id not in self._sent:
            self._sent.add(order.command_id)
            self.stats.sent += 1
            logger.info("%s: sending %s [%s]", self.bus.name, spec.title, order.command_id)
        try:
            ack = self.bus.commander.request(
                order.mission_id,
                order.device,
                order.action,
                level=order.level,
                command_id=order.command_id,
                timeout=self.send_timeout,
            )
        except NoAnswer:
            self.stats.unanswered += 1
            if self.stats.unanswered % 10 == 1:
                logger.warning(
                    "%s: no answer yet to %s [%s]; sending it again",
                    self.bus.name,
                    spec.title,
                    order.command_id,
                )
            return
        self._announce_settled(self.steps.settle(order, ack))

    # --- telling the mission ------------------------------------------------------------------

    def _announce_placed(self, order: Order) -> None:
        spec = self.specs[order.step]
        by = "" if order.origin == AUTO else f" by {order.origin}"
        self.bus.log(
            LogLevel.WARNING if order.forced else LogLevel.INFO,
            f"{spec.title} {'FORCED' if order.forced else 'ordered'}{by}: {order.why} "
            f"[{order.command_id}]",
            order.mission_id,
        )
        self.bus.say(f"{_capital(spec.title)} ordered{by}: {order.why}.", order.mission_id)

    def _announce_settled(self, order: Order) -> None:
        spec = self.specs[order.step]
        mission, device = order.mission_id, order.device
        if order.outcome is Outcome.ACCEPTED:
            self.stats.accepted += 1
            self.bus.log(
                LogLevel.INFO, f"{spec.title} acked by the {device} [{order.command_id}]", mission
            )
            self.bus.event(
                spec.acked, f"{spec.title} acked by the {device}: {order.answer or 'done'}", mission
            )
            self.bus.say(f"The {device} confirms the {spec.title}.", mission)
        elif order.outcome is Outcome.REFUSED:
            self.stats.refused += 1
            self.bus.log(
                LogLevel.ERROR,
                f"{spec.title} refused by the {device}: {order.answer} [{order.command_id}]",
                mission,
            )
            self.bus.say(f"The {device} refused the {spec.title}: {order.answer}.", mission)

    def _announce_milestone(self, event: EventType) -> None:
        line = self.milestone_lines.get(event)
        logger.info("%s: %s confirmed for mission %s", self.bus.name, event, self.steps.mission_id)
        if line:
            self.bus.say(line, self.steps.mission_id)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
