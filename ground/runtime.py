"""A ground service's connection to the bus: subscriptions, acknowledged device commands, and
publishing its own events, logs and webcast lines.

One thread reads deliveries: acks for pending device commands are matched at once; every other
message goes to :meth:`GroundBus.next` for the service's own loop, which may block on a device
command without stopping acks from arriving. A delivery is acknowledged once queued for the
service: these services steer from the live stream (the next sample supersedes a lost one) and
keep what must survive a restart in their own store.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from ground.devices import DeviceCommander
from marsy.clock import MissionClock
from marsy.mqtt import MqttBus, MqttError
from marsy.protocol import (
    ContractError,
    EventType,
    LogLevel,
    LogRecord,
    Message,
    MissionEvent,
    WebcastLine,
    decode_delivery,
)
from marsy.protocol.commanding import STANDBY
from marsy.settings import GroundSettings

logger = logging.getLogger(__name__)


class GroundBus:
    def __init__(self, settings: GroundSettings, name: str, *, see_acks: bool = False) -> None:
        """``see_acks``: also hand command acks to :meth:`next` (Command keeps their history)."""
        self.name = name
        self.see_acks = see_acks
        self.clock: MissionClock = settings.clock.clock()
        self.bus = MqttBus(settings.mqtt, presence=name, clock=self.clock)
        self.topics = self.bus.topics
        self.commander = DeviceCommander(self.bus, name, self.clock)
        self.bus.subscribe(self.commander.ack_filter)
        self.malformed = 0
        self.mission_id: str | None = None
        self._inbox: queue.Queue[Message] = queue.Queue()
        self._stop = threading.Event()
        self._seq = int(time.time() * 1000)
        self._thread = threading.Thread(target=self._dispatch, name=f"{name}-bus", daemon=True)

    def subscribe(self, topic_filter: str) -> None:
        self.bus.subscribe(topic_filter)

    def start(self) -> None:
        self.bus.start(wait=None)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.bus.stop()

    def next(self, timeout: float) -> Message | None:
        """The next message for the service (not a command ack), or ``None`` after ``timeout``."""
        try:
            return self._inbox.get(timeout=timeout)
        except queue.Empty:
            return None

    def feed(self, observe: Callable[[Message], object], stop: threading.Event) -> None:
        """Hand every message to ``observe`` until ``stop``: the bus loop of a service that
        only follows the bus (Command, the launchpad)."""
        while not stop.is_set():
            message = self.next(timeout=0.5)
            if message is not None:
                observe(message)

    def _dispatch(self) -> None:
        while not self._stop.is_set():
            delivery = self.bus.receive(timeout=0.2)
            if delivery is None:
                continue
            if not self.commander.handle(delivery) or self.see_acks:
                try:
                    self._inbox.put(decode_delivery(self.topics, delivery.topic, delivery.payload))
                except ContractError as exc:
                    self.malformed += 1
                    logger.warning(
                        "%s: malformed message on %s: %s", self.name, delivery.topic, exc
                    )
            self.bus.ack(delivery)

    # --- publishing ---------------------------------------------------------------------------

    def publish(self, message: BaseModel, timeout: float = 10.0) -> bool:
        """Publish and wait for the broker's PUBACK; ``False`` (logged) if it did not come."""
        try:
            self.bus.publish_message(message).wait(timeout)
        except MqttError as exc:
            logger.error("%s: publish not confirmed: %s", self.name, exc)
            return False
        return True

    def envelope(self, mission_id: str | None = None) -> dict[str, Any]:
        """Fields every message of this service carries."""
        self._seq += 1
        return {
            "mission_id": mission_id or self.mission_id or STANDBY,
            "source": self.name,
            "seq": self._seq,
            "ts": self.clock.now(),
        }

    def say(self, text: str, mission_id: str | None = None) -> None:
        """A line of webcast commentary."""
        self.publish(WebcastLine(speaker=self.name, text=text[:2000], **self.envelope(mission_id)))

    def log(self, level: LogLevel, message: str, mission_id: str | None = None) -> None:
        logger.log(logging.getLevelName(level.upper()), "%s", message)
        self.publish(LogRecord(level=level, message=message[:2000], **self.envelope(mission_id)))

    def event(self, event: EventType, detail: str = "", mission_id: str | None = None) -> None:
        self.publish(MissionEvent(event=event, detail=detail[:2000], **self.envelope(mission_id)))
