"""Acknowledged device commands from the ground: send, retry until answered, never twice.

A ground service asks a device to act with a :class:`DeviceCommand` carrying a correlation id,
and waits for the :class:`CommandAck` with the same id. Until it comes the command is published
again with the same id (the agent answers a repeat from its journal, it never executes twice),
so a dropped link or an agent restart delays a step but cannot lose or double it.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass, field

from marsy.clock import MissionClock
from marsy.mqtt import Delivery, MqttBus, MqttError
from marsy.protocol import (
    Channel,
    CommandAck,
    CommandAction,
    ContractError,
    Device,
    DeviceCommand,
    decode_delivery,
)

logger = logging.getLogger(__name__)


class NoAnswer(TimeoutError):
    """The device did not acknowledge the command in time (it may still execute it later)."""


@dataclass
class _Waiting:
    done: threading.Event = field(default_factory=threading.Event)
    ack: CommandAck | None = None


class DeviceCommander:
    """Sends commands on ``bus`` as ``source`` and matches the acks.

    Call :meth:`handle` with every delivery on the ack topics (``ack_filter``); it returns
    ``True`` for the deliveries it consumed.
    """

    def __init__(self, bus: MqttBus, source: str, clock: MissionClock) -> None:
        self.bus = bus
        self.source = source
        self.clock = clock
        self._waiting: dict[str, _Waiting] = {}
        self._lock = threading.Lock()
        self._seq = int(time.time() * 1000)

    @property
    def ack_filter(self) -> str:
        return self.bus.topics.channel_filter(Channel.ACK)

    def handle(self, delivery: Delivery) -> bool:
        channel, _ = self.bus.topics.parse(delivery.topic)
        if channel is not Channel.ACK:
            return False
        try:
            message = decode_delivery(self.bus.topics, delivery.topic, delivery.payload)
        except ContractError as exc:
            logger.warning("malformed ack on %s: %s", delivery.topic, exc)
            return True
        if isinstance(message, CommandAck):
            with self._lock:
                waiting = self._waiting.get(message.command_id)
            if waiting is not None:
                waiting.ack = message
                waiting.done.set()
        return True

    def request(
        self,
        mission_id: str,
        device: Device,
        action: CommandAction,
        *,
        level: float | None = None,
        text: str | None = None,
        command_id: str | None = None,
        timeout: float = 30.0,
        retry_every: float = 1.0,
    ) -> CommandAck:
        """Send and wait for the answer (accepted or not); :class:`NoAnswer` after ``timeout``
        wall seconds. Give a stable ``command_id`` to make a step idempotent across restarts."""
        command_id = command_id or f"{self.source}-{action}-{uuid.uuid4().hex[:12]}"
        waiting = _Waiting()
        with self._lock:
            self._waiting[command_id] = waiting
        deadline = time.monotonic() + timeout
        try:
            while not waiting.done.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise NoAnswer(f"{device} did not answer {action} ({command_id})")
                self._seq += 1
                command = DeviceCommand(
                    mission_id=mission_id,
                    source=self.source,
                    seq=self._seq,
                    ts=self.clock.now(),
                    command_id=command_id,
                    device=device,
                    action=action,
                    level=level,
                    text=text,
                )
                try:
                    self.bus.publish_message(command).wait(timeout=min(remaining, 5.0))
                except MqttError as exc:
                    logger.warning("command %s not sent yet: %s", command_id, exc)
                waiting.done.wait(min(retry_every, max(0.0, deadline - time.monotonic())))
        finally:
            with self._lock:
                self._waiting.pop(command_id, None)
        assert waiting.ack is not None
        return waiting.ack
