"""The webcaster's bus loop: every delivery to the live view, triggers and acks to the interview.

What it listens to, and at which QoS:

- commentary (every service's ``webcast/+``), mission status, events, alerts and the suit's
  acks at QoS 1: the broker keeps them while the webcaster is away, and an event is acked only
  once the interview it triggers is in the store;
- rocket and booster telemetry and suit vitals at QoS 0: a live figure is worth nothing late,
  so the broker need not queue a backlog of them for a restarting webcaster (the booster's
  phases are told as they come; a phase missed while away is not told late).

Each message goes to the live view, then to the commentary (an event or a booster phase may be
worth a line), then to the interview (an event may start it), and is acked after all three.

Junk on the bus is counted and acknowledged, never fatal.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from ground.webcaster.interview import Interviewer
from ground.webcaster.narrator import Narrator
from ground.webcaster.stream import Hub
from marsy.mqtt import Delivery, MqttBus
from marsy.protocol import (
    Channel,
    ContractError,
    Device,
    MissionEvent,
    decode_delivery,
)

logger = logging.getLogger(__name__)


def subscribe(bus: MqttBus) -> None:
    """Subscribe ``bus`` (before it starts) to everything the webcast shows or needs."""
    topics = bus.topics
    for channel in (Channel.WEBCAST, Channel.EVENTS, Channel.ERRORS):
        bus.subscribe(topics.channel_filter(channel))
    bus.subscribe(topics.mission_status)
    bus.subscribe(topics.topic(Channel.ACK, Device.SUIT))
    bus.subscribe(topics.topic(Channel.TELEMETRY, Device.ROCKET), qos=0)
    bus.subscribe(topics.topic(Channel.TELEMETRY, Device.BOOSTER), qos=0)
    bus.subscribe(topics.topic(Channel.VITALS, Device.SUIT), qos=0)


@dataclass
class ConsumerStats:
    handled: int = 0
    malformed: int = 0
    failed: int = 0


class Consumer:
    def __init__(
        self, bus: MqttBus, hub: Hub, interviewer: Interviewer, narrator: Narrator
    ) -> None:
        self.bus = bus
        self.hub = hub
        self.interviewer = interviewer
        self.narrator = narrator
        self.stats = ConsumerStats()

    def run(self, stop: threading.Event) -> None:
        """Handle deliveries until ``stop``; figures are flushed even when the bus is quiet."""
        while not stop.is_set():
            delivery = self.bus.receive(timeout=0.1)
            if delivery is not None:
                self._handle_and_ack(delivery)
            self.hub.flush()

    def _handle_and_ack(self, delivery: Delivery) -> None:
        try:
            self.handle(delivery)
        except Exception:
            # Not acked: the broker redelivers it after the next reconnect.
            self.stats.failed += 1
            logger.exception("failed to handle a message on %s", delivery.topic)
            return
        self.bus.ack(delivery)

    def handle(self, delivery: Delivery) -> None:
        if self.interviewer.answers(delivery):  # the suit's acks, to the question waiting
            self.stats.handled += 1
            return
        try:
            message = decode_delivery(self.bus.topics, delivery.topic, delivery.payload)
        except ContractError as exc:
            self.stats.malformed += 1
            logger.warning("malformed message on %s: %s", delivery.topic, exc)
            return
        self.hub.apply(message)
        self.narrator.hear(message)  # the splashdown is told before the interview opens
        if isinstance(message, MissionEvent):
            self.interviewer.on_event(message, self.hub.astronaut())
        self.stats.handled += 1
