"""The recorder's own publishes (dead letters, its heartbeat), sent without waiting for PUBACK.

Waiting for the broker's acknowledgement on the consumer thread is what let a flood of junk stall
the ingest: every refused message cost a round trip before the next sample was looked at. Here a
publish is handed to the bus and its handle kept; :meth:`Outgoing.sweep` later collects the
confirmed ones and logs the refused ones. At most ``limit`` may wait unconfirmed (well inside the
bus's in-flight window, so handing one over never blocks); past that, :meth:`Outgoing.send`
declines and the caller counts the message instead (a frozen broker is not worth queueing
reports for).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass

from pydantic import BaseModel

from marsy.mqtt import MqttBus, MqttError, Pending

logger = logging.getLogger(__name__)

LIMIT = 100


@dataclass
class OutgoingStats:
    sent: int = 0
    confirmed: int = 0
    failed: int = 0
    """Refused by the broker or by paho (logged)."""
    declined: int = 0
    """Not sent: too many earlier ones still unconfirmed."""


class Outgoing:
    def __init__(self, bus: MqttBus, limit: int = LIMIT) -> None:
        self._bus = bus
        self.limit = max(1, min(limit, bus.settings.max_inflight // 2))
        self.stats = OutgoingStats()
        self._pending: deque[Pending] = deque()
        self._lock = threading.Lock()

    def send(self, message: BaseModel) -> bool:
        """Hand ``message`` to the bus; ``False`` if declined or refused at once."""
        with self._lock:
            self._sweep()
            if len(self._pending) >= self.limit:
                self.stats.declined += 1
                return False
            try:
                pending = self._bus.publish_message(message)
            except MqttError as exc:
                self.stats.failed += 1
                logger.error("%s not sent: %s", type(message).__name__, exc)
                return False
            self._pending.append(pending)
            self.stats.sent += 1
            return True

    def sweep(self) -> None:
        """Collect what the broker confirmed (or refused) since the last look."""
        with self._lock:
            self._sweep()

    def unconfirmed(self) -> int:
        with self._lock:
            return len(self._pending)

    def _sweep(self) -> None:
        waiting: deque[Pending] = deque()
        for pending in self._pending:
            if not pending.is_done():
                waiting.append(pending)
                continue
            try:
                pending.wait(0)
            except MqttError as exc:
                self.stats.failed += 1
                logger.error("not confirmed: %s", exc)
            else:
                self.stats.confirmed += 1
        self._pending = waiting
