"""The recorder: MQTT deliveries → InfluxDB points, acknowledged only once durable.

For each delivery, on one consumer thread: charge it to its source's rate (the topic names the
authenticated publisher; over budget, it is refused before decoding), decode it with the
contract, ask the route where it belongs (``(database, line)``, or ``None`` for what this
recorder does not store), let the ledger admit its sequence number, and hand the line to the batch
writer; when the writer says the batch is written or spooled, note the sequence number in the
ledger, save the ledger and acknowledge, in delivery order. Whatever is refused is acknowledged at
once and reported as a dead letter (a few per source per second in full, the rest counted and
summarised), without waiting for the broker. A heartbeat says how fresh the store is.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from ground.ingest.acks import AckSequencer
from ground.ingest.counters import PerSource
from ground.ingest.deadletters import DeadLetters, Refusal
from ground.ingest.heartbeat import Freshness, Heartbeat
from ground.ingest.ledger import Ledger, LedgerEntry
from ground.ingest.limits import SourceLimiter, source_of
from ground.ingest.outgoing import Outgoing
from marsy.clock import MissionClock
from marsy.mqtt import Delivery, MqttBus
from marsy.protocol import (
    AstronautVitals,
    Channel,
    ContractError,
    DeviceTelemetry,
    Message,
    check_origin,
    decode_as,
    decode_message,
)
from marsy.settings import IngestSettings
from marsy.store import BatchWriter

logger = logging.getLogger(__name__)

Route = Callable[[Message], tuple[str, str] | None]
"""Where a message is stored: ``(database, line protocol)``, or ``None`` if not here."""

_SAMPLES: dict[Channel, type[DeviceTelemetry | AstronautVitals]] = {
    Channel.TELEMETRY: DeviceTelemetry,
    Channel.VITALS: AstronautVitals,
}
"""The channels whose topic names the one model their messages may be."""

TOPICS_KEPT = 4096

RUN = 1000
"""Deliveries taken off the bus in one go, at most."""

INFLUXDB = "<influxdb>"
"""The source dead letters about batches InfluxDB refused are counted under."""


@dataclass
class RecorderStats:
    received: int = 0
    stored: int = 0
    ignored: int = 0
    dead_lettered: int = 0
    """Messages refused, for any reason (each reported, in full or in a summary)."""
    rate_limited: int = 0
    seq_refused: int = 0
    duplicates: int = 0
    last_point_ts: float | None = None
    """Mission time of the newest point stored."""
    mission_id: str | None = None
    """Mission of the newest point stored."""


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
        limits: IngestSettings | None = None,
        *,
        group: str | None = None,
        shared: bool = False,
        draining: bool = False,
    ) -> None:
        """``group``: the share group the recorder's stream may be shared in by several
        workers; ``shared``: this recorder is one of them (it takes its share of ``filters``),
        else it takes them whole. A persistent session keeps the other form from an earlier
        run, which is undone at each connect. ``draining``: a worker no longer run takes only
        what its session still holds (it unsubscribes from both forms)."""
        limits = limits or IngestSettings()
        self.name = name
        self.bus = bus
        self.writer = writer
        self.ledger = ledger
        self.route = route
        self.filters = filters
        self.clock = clock
        self.limits = limits
        self.group = group
        self.shared = shared and group is not None
        self.draining = draining and group is not None
        self.ledger_view: Callable[[], list[LedgerEntry]] = ledger.entries
        """The ledger ``/health`` shows: this recorder's own, or several workers' merged."""
        self.last_delivery = time.monotonic()
        self.stats = RecorderStats()
        self.counts = PerSource()
        writer.on_rejected = self.rejected
        writer.on_batch = self._batch_done
        self._acks = AckSequencer(self._release)
        self._topics: dict[str, tuple[str, type[DeviceTelemetry | AstronautVitals] | None]] = {}
        self._stored: list[tuple[int, Delivery, DeviceTelemetry | AstronautVitals | None]] = []
        """Stored since the writer's last batch ended (the writer's thread alone touches it)."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._consume, name=f"{name}-consumer", daemon=True)
        # Devices send faster in a time-warped simulation: their budget is in mission seconds.
        self.limiter = SourceLimiter(
            limits.source_rate, limits.source_burst, lambda: time.monotonic() * clock.warp
        )
        self.outgoing = Outgoing(bus)
        self.letters = DeadLetters(
            name,
            bus.topics,
            self.outgoing,
            clock,
            self.counts,
            per_second=limits.dead_letters_per_second,
        )
        self.heartbeat = Heartbeat(
            name,
            clock,
            self.outgoing,
            self.freshness,
            interval=limits.health_interval,
            chores=[self.letters.tick],
        )

    def start(self) -> None:
        for topic in self.filters:
            if self.group is None:
                self.bus.subscribe(topic)
                continue
            whole, share = topic, self.bus.topics.shared(self.group, topic)
            if self.draining:
                self.bus.forget(whole)
                self.bus.forget(share)
                continue
            self.bus.subscribe(share if self.shared else whole)
            self.bus.forget(whole if self.shared else share)
        self.writer.start()
        self.bus.start(wait=None)
        self._thread.start()
        self.heartbeat.start()

    def stop(self, *, end_session: bool = False) -> None:
        """Finish what is in hand (written, ledger saved, acked), then disconnect;
        ``end_session``: the broker forgets the session (a drained worker's)."""
        self._stop.set()
        self._thread.join(timeout=5)
        self.heartbeat.stop()
        self.writer.stop(timeout=10)
        self.ledger.save()
        self.bus.stop(end_session=end_session)

    # --- consuming ----------------------------------------------------------------------------

    def _consume(self) -> None:
        while not self._stop.is_set():
            for delivery in self.bus.receive_many(RUN, timeout=0.2):
                self.last_delivery = time.monotonic()
                ticket = self._acks.ticket()
                try:
                    self._handle(delivery, ticket)
                except Exception:  # one poisoned message must not stop the recorder
                    logger.exception("%s: failed on a message from %s", self.name, delivery.topic)
                    source = source_of(self.bus.topics, delivery.topic)
                    self._refuse(source, delivery, "<recorder>", "internal error while handling it")
                    self._finish(ticket, delivery)

    def _handle(self, delivery: Delivery, ticket: int) -> None:
        """Refuse, ignore or store one delivery; the ticket is finished by the end of it, or by
        the writer once stored (handing the line over is the last thing that happens here)."""
        self.stats.received += 1
        source, model = self._topic(delivery.topic)
        counts = self.counts[source]
        counts.received += 1
        if not self.limiter.allow(source):
            counts.rate_limited += 1
            self.stats.rate_limited += 1
            reason = (
                f"over the rate limit of {self.limits.source_rate:g} messages a second per "
                f"source (burst {self.limits.source_burst:,})"
            )
            self._refuse(source, delivery, "<rate>", reason, in_full=False)
            self._finish(ticket, delivery)
            return
        try:
            message = self._decode(delivery.topic, delivery.payload, model)
        except ContractError as exc:
            counts.refused += 1
            self._refuse(source, delivery, exc.field, exc.reason)
            self._finish(ticket, delivery)
            return
        target = self.route(message)
        if target is None:
            self.stats.ignored += 1
            self._finish(ticket, delivery)
            return
        if isinstance(message, DeviceTelemetry | AstronautVitals):
            why = self.ledger.admit(message.mission_id, message.source, message.seq)
            if why is not None:
                counts.seq_refused += 1
                self.stats.seq_refused += 1
                self._refuse(source, delivery, "seq", why)
                self._finish(ticket, delivery)
                return
        database, line = target
        sample = message if isinstance(message, DeviceTelemetry | AstronautVitals) else None
        stored = self._stored
        # Once stored (writer thread), noted for the end of its batch (_batch_done).
        self.writer.add(database, line, lambda: stored.append((ticket, delivery, sample)))

    def _topic(self, topic: str) -> tuple[str, type[DeviceTelemetry | AstronautVitals] | None]:
        """The source a topic names, and the model it names if a sample's: read once per topic
        (the ACL keeps them few; past :data:`TOPICS_KEPT` they are read each time)."""
        known = self._topics.get(topic)
        if known is not None:
            return known
        try:
            model = _SAMPLES.get(self.bus.topics.parse(topic)[0])
        except ValueError:
            model = None
        known = (source_of(self.bus.topics, topic), model)
        if len(self._topics) < TOPICS_KEPT:
            self._topics[topic] = known
        return known

    def _decode(
        self, topic: str, payload: bytes, model: type[DeviceTelemetry | AstronautVitals] | None
    ) -> Message:
        """The contract's decoding and origin check; a sample's topic names its model, which
        spares the union's dispatch on the busiest channels."""
        message = decode_message(payload) if model is None else decode_as(model, payload)
        check_origin(self.bus.topics, topic, message)
        return message

    def _finish(self, ticket: int, delivery: Delivery) -> None:
        """A delivery handled without the store: acknowledged in its turn."""
        self._acks.finish(ticket, delivery)
        self._acks.flush()

    def _batch_done(self) -> None:
        """A batch written (or spooled, or refused): its samples noted in the ledger in one go,
        its deliveries finished, and whatever is now in order released."""
        stored, self._stored[:] = list(self._stored), []
        if not stored:
            self._acks.flush()
            return
        self.stats.stored += len(stored)
        samples = [sample for _, _, sample in stored if sample is not None]
        if samples:
            numbers = [(s.mission_id, s.source, s.seq) for s in samples]
            self.stats.duplicates += len(numbers) - self.ledger.note_many(numbers)
            newest = max(samples, key=lambda s: s.ts)
            if newest.ts >= (self.stats.last_point_ts or 0.0):
                self.stats.last_point_ts = newest.ts
                self.stats.mission_id = newest.mission_id
        self._acks.finish_many([(ticket, delivery) for ticket, delivery, _ in stored])
        self._acks.flush()

    def _release(self, deliveries: list[object]) -> None:
        self.ledger.save()  # the ledger is durable before the broker forgets the messages
        self.bus.ack_many(deliveries)  # type: ignore[arg-type]  # the tickets' items

    def _refuse(
        self, source: str, delivery: Delivery, field: str, reason: str, *, in_full: bool = True
    ) -> None:
        self.stats.dead_lettered += 1
        refusal = Refusal.of(delivery.topic, delivery.payload, field, reason)
        self.letters.refuse(source, refusal, in_full=in_full)

    def rejected(self, lines: list[str], reason: str) -> None:
        """InfluxDB refused a batch: set its lines aside on the dead-letter topic."""
        self.stats.dead_lettered += len(lines)
        refusal = Refusal(
            topic=INFLUXDB,
            field="<line>",
            reason=reason[:1800],
            size=sum(len(x) for x in lines),
            excerpt=lines[0][:512],
        )
        self.letters.refuse(INFLUXDB, refusal)

    def settled(self, quiet: float) -> bool:
        """Connected, nothing delivered for ``quiet`` seconds, and nothing left in hand: all
        written (or spooled) and acknowledged."""
        return (
            self.bus.connected.is_set()
            and time.monotonic() - self.last_delivery >= quiet
            and self.bus.deliveries.qsize() == 0
            and self.writer.pending() == 0
            and self._acks.outstanding() == 0
        )

    # --- health -------------------------------------------------------------------------------

    def freshness(self) -> Freshness:
        """How fresh the store is, for the heartbeat (mission seconds and times)."""
        lag = None
        if self.stats.last_point_ts is not None:
            lag = max(0.0, self.clock.now() - self.stats.last_point_ts)
        return Freshness(
            mission_id=self.stats.mission_id,
            ingest_lag=lag,
            last_write=self.writer.stats.last_write,
            pending=self.bus.deliveries.qsize() + self.writer.pending(),
            store_ok=self.writer.stats.store_ok,
        )

    def health(self) -> dict[str, Any]:
        writer = self.writer.stats
        fresh = self.freshness()
        return {
            "service": self.name,
            "connected": self.bus.connected.is_set(),
            "subscriptions_refused": self.bus.stats.refused_subscriptions,
            **asdict(self.stats),
            "written": writer.written,
            "spooled": writer.spooled,
            "replayed": writer.replayed,
            "rejected": writer.rejected,
            "pending": self.writer.pending(),
            "queued": self.bus.deliveries.qsize(),
            "unacknowledged": self._acks.outstanding(),
            "ingest_lag": fresh.ingest_lag,
            "last_write": fresh.last_write,
            "store_ok": fresh.store_ok,
            "heartbeats": self.heartbeat.beats,
            "outgoing": {
                **asdict(self.outgoing.stats),
                "unconfirmed": self.outgoing.unconfirmed(),
            },
            "sources": self.counts.snapshot(),
            "ledger": [{**asdict(entry), "missing": entry.missing} for entry in self.ledger_view()],
        }
