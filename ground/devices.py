"""Acknowledged device commands from the ground: send, retry until answered, never twice.

A ground service asks a device to act with a :class:`DeviceCommand` carrying a correlation id,
and waits for the :class:`CommandAck` with the same id. Until it comes the command is published
again with the same id (the agent answers a repeat from its journal, it never executes twice),
so a dropped link or an agent restart delays a step but cannot lose or double it.

Only the addressed device can answer: an ack counts if it came on that device's own ack topic
(pinned by the broker's ACL to its login) and names that device. Command ids carry 64 random
bits, so no other login can guess the id of a command it has not seen; an ack from anyone else
is ignored and counted (:attr:`DeviceCommander.forged`).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
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

MAX_COMMAND_ID = 64
"""Longest command id the contract accepts."""


def new_command_id(prefix: str) -> str:
    """A fresh command id: ``prefix`` (who orders what) for the reader, then 64 random bits.
    Whoever must resend the same command after a restart stores the id before sending it."""
    token = secrets.token_hex(8)
    return f"{prefix[: MAX_COMMAND_ID - len(token) - 1]}-{token}"


class NoAnswer(TimeoutError):
    """The device did not acknowledge the command in time (it may still execute it later)."""


@dataclass
class _Waiting:
    device: Device
    action: CommandAction
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
        self.forged = 0
        """Acks for a pending command from another device than the one addressed."""
        self._lock = threading.Lock()
        self._seq = int(time.time() * 1000)

    @property
    def ack_filter(self) -> str:
        return self.bus.topics.channel_filter(Channel.ACK)

    def handle(self, delivery: Delivery) -> bool:
        channel, name = self.bus.topics.parse(delivery.topic)
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
            if waiting is None:
                return True
            if name != waiting.device or message.device is not waiting.device:
                self.forged += 1
                logger.warning(
                    "ack for %s (%s to the %s) from %s ignored: only the %s answers it",
                    message.command_id,
                    waiting.action,
                    waiting.device,
                    name,
                    waiting.device,
                )
            elif message.action is not waiting.action:
                self.forged += 1
                logger.warning(
                    "ack for %s names %s, the command was %s: ignored",
                    message.command_id,
                    message.action,
                    waiting.action,
                )
            else:
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
        wall seconds. Give a ``command_id`` kept from before (:func:`new_command_id`, stored
        before the first send) to make a step idempotent across restarts. Only the ``device``'s
        own ack for the same action answers it."""
        command_id = command_id or new_command_id(f"{self.source}-{action}")
        waiting = _Waiting(device, action)
        with self._lock:
            if command_id in self._waiting:
                raise ValueError(f"command {command_id} is already waiting for its answer")
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
