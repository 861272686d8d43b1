"""The recorder: MQTT deliveries → InfluxDB points, acknowledged only once durable.

For each delivery: decode it with the contract (junk goes to the dead-letter topic, counted),
ask the route where it belongs (``(database, line)``, or ``None`` for what this recorder does not
store), hand the line to the batch writer, and when the writer says the batch is written or
spooled, note the sequence number in the ledger, save the ledger and acknowledge, in delivery
order.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from ground.influx.writer import BatchWriter
from ground.ingest.acks import AckSequencer
from ground.ingest.ledger import Ledger
from marsy.clock import MissionClock
from marsy.mqtt import Delivery, MqttBus, MqttError
from marsy.protocol import (
    AstronautVitals,
    ContractError,
    DeadLetter,
    DeviceTelemetry,
    Message,
    decode_delivery,
)

logger = logging.getLogger(__name__)

Route = Callable[[Message], tuple[str, str] | None]
"""Where a message is stored: ``(database, line protocol)``, or ``None`` if not here."""


@dataclass
class RecorderStats:
    received: int = 0
    stored: int = 0
    ignored: int = 0
    dead_lettered: int = 0
    duplicates: int = 0
    last_point_ts: float | None = None
    """Mission time of the newest point stored."""


class Recorder:
    def __init__(
        self,
        name: str,
        bus: MqttBus,
        writer: BatchWriter,
        ledger: Ledger,
        route: Route,
        filters: list[str],
        clock: MissionClock,
    ) -> None:
        self.name = name
        self.bus = bus
        self.writer = writer
        self.ledger = ledger
        self.route = route
        self.filters = filters
        self.clock = clock
        self.stats = RecorderStats()
        writer.on_rejected = self.rejected
        writer.on_batch = self._batch_done
        self._acks = AckSequencer(self._release)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._consume, name=f"{name}-consumer", daemon=True)
        self._dead_seq = int(time.time() * 1000)

    def start(self) -> None:
        for topic in self.filters:
            self.bus.subscribe(topic)
        self.writer.start()
        self.bus.start(wait=None)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.writer.stop(timeout=10)
        self.ledger.save()
        self.bus.stop()

    # --- consuming ----------------------------------------------------------------------------

    def _consume(self) -> None:
        while not self._stop.is_set():
            delivery = self.bus.receive(timeout=0.2)
            if delivery is None:
                continue
            try:
                self._handle(delivery)
            except Exception:  # one poisoned message must not stop the recorder
                logger.exception("%s: failed on a message from %s", self.name, delivery.topic)
                self._dead_letter(delivery, "<recorder>", "internal error while handling it")
                self._acks.finish(self._acks.ticket(), delivery)
                self._acks.flush()

    def _handle(self, delivery: Delivery) -> None:
        self.stats.received += 1
        ticket = self._acks.ticket()
        try:
            message = decode_delivery(self.bus.topics, delivery.topic, delivery.payload)
        except ContractError as exc:
            self._dead_letter(delivery, exc.field, exc.reason)
            self._acks.finish(ticket, delivery)
            self._acks.flush()
            return
        target = self.route(message)
        if target is None:
            self.stats.ignored += 1
            self._acks.finish(ticket, delivery)
            self._acks.flush()
            return
        database, line = target

        def stored() -> None:
            self.stats.stored += 1
            if isinstance(message, DeviceTelemetry | AstronautVitals):
                if not self.ledger.note(message.mission_id, message.source, message.seq):
                    self.stats.duplicates += 1
                self.stats.last_point_ts = max(self.stats.last_point_ts or 0.0, message.ts)
            self._acks.finish(ticket, delivery)

        self.writer.add(database, line, stored)

    def _batch_done(self) -> None:
        self._acks.flush()

    def _release(self, deliveries: list[object]) -> None:
        self.ledger.save()  # the ledger is durable before the broker forgets the messages
        for delivery in deliveries:
            assert isinstance(delivery, Delivery)
            self.bus.ack(delivery)

    def _dead_letter(self, delivery: Delivery, field: str, reason: str) -> None:
        self.stats.dead_lettered += 1
        self._dead_seq += 1
        letter = DeadLetter(
            source=self.name,
            seq=self._dead_seq,
            ts=self.clock.now(),
            topic=delivery.topic[:256],
            field=field[:256],
            reason=reason[:2000],
            size=len(delivery.payload),
            excerpt=delivery.payload[:200].decode("utf-8", "replace")[:512],
        )
        logger.warning("%s: dead letter from %s: %s: %s", self.name, delivery.topic, field, reason)
        try:
            self.bus.publish_message(letter).wait(timeout=5)
        except MqttError as exc:
            logger.error("%s: dead letter not confirmed: %s", self.name, exc)

    def rejected(self, lines: list[str], reason: str) -> None:
        """InfluxDB refused a batch: set its lines aside on the dead-letter topic."""
        self.stats.dead_lettered += len(lines)
        self._dead_seq += 1
        letter = DeadLetter(
            source=self.name,
            seq=self._dead_seq,
            ts=self.clock.now(),
            topic="<influxdb>",
            field="<line>",
            reason=reason[:2000],
            size=sum(len(x) for x in lines),
            excerpt=lines[0][:512],
        )
        try:
            self.bus.publish_message(letter).wait(timeout=5)
        except MqttError as exc:
            logger.error("%s: dead letter not confirmed: %s", self.name, exc)

    # --- health -------------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        writer = self.writer.stats
        lag = None
        if self.stats.last_point_ts is not None:
            lag = max(0.0, self.clock.now() - self.stats.last_point_ts)
        return {
            "service": self.name,
            "connected": self.bus.connected.is_set(),
            **asdict(self.stats),
            "written": writer.written,
            "spooled": writer.spooled,
            "replayed": writer.replayed,
            "rejected": writer.rejected,
            "pending": self.writer.pending(),
            "unacknowledged": self._acks.outstanding(),
            "ingest_lag": lag,
            "last_write": writer.last_write,
            "ledger": [
                {**asdict(entry), "missing": entry.missing} for entry in self.ledger.entries()
            ],
        }
