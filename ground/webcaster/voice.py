"""The webcaster's own voice on the bus: its commentary lines and its events, under one source.

The commentary and the interview speak through the same :class:`Voice`, so every message of the
``webcaster`` source carries one increasing sequence, whichever thread says it. Publishing is at
QoS 1; paho keeps a message and sends it after a reconnect if the broker is away, so a missing
PUBACK is worth a warning, never the end of a commentary or an interview.
"""

from __future__ import annotations

import logging
import threading
import time

from pydantic import BaseModel

from marsy.clock import MissionClock
from marsy.mqtt import MqttBus, MqttError
from marsy.protocol import EventType, MissionEvent, WebcastLine

logger = logging.getLogger(__name__)


class _Sequence:
    """Per-source sequence numbers that keep increasing across restarts (microsecond clock)."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            self._last = max(self._last + 1, time.time_ns() // 1000)
            return self._last


class Voice:
    def __init__(
        self, bus: MqttBus, clock: MissionClock, source: str, *, confirm_within: float = 2.0
    ) -> None:
        """``confirm_within``: wall seconds to wait for the broker's PUBACK of each message."""
        self.bus = bus
        self.clock = clock
        self.source = source
        self.confirm_within = confirm_within
        self._seq = _Sequence()

    def say(self, mission_id: str, speaker: str, text: str) -> None:
        """A commentary line (``speaker``: the webcast's host, or the astronaut answering)."""
        self._publish(
            WebcastLine(
                mission_id=mission_id,
                source=self.source,
                seq=self._seq.next(),
                ts=self.clock.now(),
                speaker=speaker[:64],
                text=text[:2000],
            )
        )

    def event(self, mission_id: str, kind: EventType, detail: str) -> None:
        """A mission event of the webcaster's own (the interview), for Command's timeline."""
        self._publish(
            MissionEvent(
                mission_id=mission_id,
                source=self.source,
                seq=self._seq.next(),
                ts=self.clock.now(),
                event=kind,
                detail=detail[:2000],
            )
        )

    def _publish(self, message: BaseModel) -> None:
        try:
            self.bus.publish_message(message).wait(self.confirm_within)
        except MqttError as exc:
            logger.warning("%s: %s", self.source, exc)
