"""The inbox: deliveries from the broker, each MQTT-acked only once handled.

The mission status moves the agent to a new mission; a command for this device goes to the
:class:`~edge.runtime.commands.CommandHandler` (its answer is in the outbox before the broker
hears the delivery was handled); anything else the device subscribed to goes to its behaviour.
A delivery the contract cannot decode is counted and acked, so it is not redelivered forever.
"""

from __future__ import annotations

import logging
import threading

from edge.runtime.behaviour import AgentPort, Behaviour
from edge.runtime.commands import CommandHandler
from edge.runtime.memory import FlightMemory
from edge.runtime.stats import AgentStats
from marsy.mqtt import Delivery, MqttBus
from marsy.protocol import ContractError, DeviceCommand, MissionStatus, decode_delivery

logger = logging.getLogger(__name__)


class Inbox:
    """Handles one bus's deliveries until told to stop."""

    def __init__(
        self,
        bus: MqttBus,
        memory: FlightMemory,
        commands: CommandHandler,
        behaviour: Behaviour,
        port: AgentPort,
        stats: AgentStats,
    ) -> None:
        self.bus = bus
        self.memory = memory
        self.commands = commands
        self.behaviour = behaviour
        self.port = port
        self.stats = stats

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            delivery = self.bus.receive(timeout=0.2)
            if delivery is not None:
                self.handle(delivery)
                self.bus.ack(delivery)

    def handle(self, delivery: Delivery) -> None:
        """Decode ``delivery`` and act on it; the caller acks it afterwards."""
        device = self.behaviour.device
        try:
            message = decode_delivery(self.bus.topics, delivery.topic, delivery.payload)
        except ContractError as exc:
            self.stats.malformed_messages += 1
            logger.warning("%s: malformed message on %s: %s", device, delivery.topic, exc)
            return
        if isinstance(message, MissionStatus):
            if self.memory.join(message.mission_id):
                logger.info("%s: mission %s", device, message.mission_id)
        elif isinstance(message, DeviceCommand) and message.device is device:
            self.commands.handle(message)
        else:
            self.behaviour.on_message(self.port, message)
