"""This device's messages into the outbox, each in the envelope the contract asks for.

Every message gets the mission it belongs to, this device as its source, the next number of its
stream in that mission and a time on the agent's mission clock; the outbox numbers and stores it
in one transaction, and the forwarder takes it from there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel

from edge.runtime.memory import FlightMemory
from edge.runtime.outbox import Outbox
from marsy.clock import MissionClock
from marsy.protocol import (
    Device,
    EventType,
    LogLevel,
    LogRecord,
    MissionEvent,
    Topics,
    encode_message,
    kind_of,
)

logger = logging.getLogger(__name__)


class Publisher:
    """Queues messages of one device; safe from any of the agent's threads (the outbox locks)."""

    def __init__(
        self,
        device: Device,
        topics: Topics,
        clock: MissionClock,
        outbox: Outbox,
        memory: FlightMemory,
    ) -> None:
        self.device = device
        self.topics = topics
        self.clock = clock
        self.outbox = outbox
        self.memory = memory

    def queue(
        self,
        stream: str,
        mission_id: str,
        make: Callable[[int], Iterable[BaseModel]],
        *,
        answers: str | None = None,
    ) -> None:
        """Queue what ``make(first_seq)`` builds, numbered in ``stream`` of ``mission_id`` (each
        mission's streams count from 0; a stream is named by its messages' ``kind``): every
        message made must be of that mission."""

        def build_rows(first_seq: int) -> list[tuple[str, bytes, bool]]:
            return [
                (
                    self.topics.for_message(message),
                    encode_message(message),
                    self.topics.is_retained(message),
                )
                for message in make(first_seq)
            ]

        self.outbox.append(stream, build_rows, mission=mission_id, answers=answers)

    def publish(self, model: type[BaseModel], *, answers: str | None = None, **fields: Any) -> None:
        """Queue one message of ``model`` with this agent's envelope around ``fields`` (of the
        mission flown unless ``fields`` name one), numbered in the stream of its kind."""
        mission_id = fields.pop("mission_id", self.memory.mission_id)
        self.queue(
            kind_of(model),
            mission_id,
            lambda seq: [
                model(
                    mission_id=mission_id,
                    source=str(self.device),
                    seq=seq,
                    ts=self.clock.now(),
                    **fields,
                )
            ],
            answers=answers,
        )

    def count(self, mission_id: str, what: str, n: int) -> None:
        """Count ``n`` of ``what`` (frames read, refused...) for ``mission_id``."""
        if n:
            self.outbox.count(mission_id, what, n)

    def event(self, event: EventType, detail: str = "") -> None:
        self.publish(MissionEvent, event=event, device=self.device, detail=detail[:2000])

    def log(self, level: LogLevel, message: str) -> None:
        logger.log(logging.getLevelName(level.upper()), "%s", message)
        self.publish(LogRecord, level=level, message=message[:2000])
