"""Dead letters: every refused message is accounted for, and a flood of them costs next to nothing.

A refused message is acknowledged (it will never become acceptable) and reported on the
recorder's dead-letter topic. Per source, at most ``per_second`` letters a wall second go out in
full; the others are counted, and the next letter about that source says how many were held back
("... (and 4,812 more from telemetry/satellite like it)"). A source that falls silent gets a
summary letter of its own from :meth:`DeadLetters.tick`, so no count is left untold. Messages
refused for their source's rate are only ever summarised. Nothing here waits for the broker: the
letters go out through :class:`~ground.ingest.outgoing.Outgoing`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ground.ingest.counters import MAX_SOURCES, OTHER, PerSource
from ground.ingest.limits import TokenBucket
from ground.ingest.outgoing import Outgoing
from marsy.clock import MissionClock
from marsy.protocol import DeadLetter, Topics

logger = logging.getLogger(__name__)

PER_SECOND = 5.0


@dataclass(frozen=True)
class Refusal:
    """What a dead letter says about one refused message, already cut to the contract's sizes."""

    topic: str
    field: str
    reason: str
    size: int
    excerpt: str

    @classmethod
    def of(cls, topic: str, payload: bytes, field: str, reason: str) -> Refusal:
        return cls(
            topic=topic[:256],
            field=field[:256],
            reason=reason[:1800],  # room for the summary the letter may add
            size=len(payload),
            excerpt=payload[:200].decode("utf-8", "replace")[:512],
        )


@dataclass
class _Held:
    bucket: TokenBucket
    count: int = 0
    last: Refusal | None = None


class LetterGate:
    """Decides, per source, which refusals go out in full; pure logic over an injected clock."""

    def __init__(self, per_second: float, now: Callable[[], float]) -> None:
        self.per_second = per_second
        self._now = now
        self._held: dict[str, _Held] = {}

    def _of(self, source: str, now: float) -> _Held:
        held = self._held.get(source)
        if held is None:
            if len(self._held) >= MAX_SOURCES:
                source = OTHER
            held = self._held.setdefault(
                source, _Held(TokenBucket.full(self.per_second, max(1.0, self.per_second), now))
            )
        return held

    def offer(self, source: str, refusal: Refusal, *, in_full: bool = True) -> int | None:
        """How many were held back before this refusal if it goes out now; ``None`` if it is
        held back itself (counted for a later letter)."""
        now = self._now()
        held = self._of(source, now)
        if in_full and held.bucket.take(now):
            count, held.count, held.last = held.count, 0, None
            return count
        self.hold(source, refusal)
        return None

    def hold(self, source: str, refusal: Refusal, count: int = 1) -> None:
        """Count ``count`` refusals (``refusal`` the latest) for the next letter on ``source``."""
        held = self._of(source, self._now())
        held.count += count
        held.last = refusal

    def due(self) -> list[tuple[str, Refusal, int]]:
        """``(source, the latest refusal held back, how many)`` for every source with refusals
        held back and the budget for a letter now."""
        now = self._now()
        result = []
        for source, held in self._held.items():
            if held.count and held.last is not None and held.bucket.take(now):
                result.append((source, held.last, held.count))
                held.count, held.last = 0, None
        return result


class DeadLetters:
    """The recorder's dead-letter desk: :meth:`refuse` from any thread, :meth:`tick` each second."""

    def __init__(
        self,
        name: str,
        topics: Topics,
        outgoing: Outgoing,
        clock: MissionClock,
        counts: PerSource,
        *,
        per_second: float = PER_SECOND,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self._prefix = f"{topics.root}/"
        self._outgoing = outgoing
        self._clock = clock
        self._counts = counts
        self._gate = LetterGate(per_second, now)
        self._lock = threading.Lock()
        self._seq = int(time.time() * 1000)

    def refuse(self, source: str, refusal: Refusal, *, in_full: bool = True) -> None:
        """Report one refused message: in full if the source's budget allows, else counted."""
        with self._lock:
            before = self._gate.offer(source, refusal, in_full=in_full)
            if before is None:
                self._counts[source].summarised += 1
                return
            self._send(source, refusal, before)

    def tick(self) -> None:
        """Send the summaries that are due (a source held back and then fell silent)."""
        with self._lock:
            for source, last, count in self._gate.due():
                self._send(source, last, count - 1, summary=True)
        self._outgoing.sweep()

    def _send(self, source: str, refusal: Refusal, before: int, *, summary: bool = False) -> None:
        reason = refusal.reason
        if before:
            label = refusal.topic.removeprefix(self._prefix)
            reason = f"{reason} (and {before:,} more from {label} like it)"
        self._seq += 1
        letter = DeadLetter(
            source=self.name,
            seq=self._seq,
            ts=self._clock.now(),
            topic=refusal.topic,
            field=refusal.field,
            reason=reason,
            size=refusal.size,
            excerpt=refusal.excerpt,
        )
        # Logged as sent: the log is bounded by the same budget as the bus.
        logger.warning(
            "%s: dead letter on %s: %s: %s", self.name, letter.topic, letter.field, reason[:300]
        )
        if self._outgoing.send(letter):
            self._counts[source].letters += 1
            return
        # The broker is not confirming what we sent: keep the count for a later letter.
        self._gate.hold(source, refusal, before + 1)
        if not summary:
            self._counts[source].summarised += 1
