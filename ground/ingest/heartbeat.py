"""The recorder's heartbeat: a ``ServiceHealth`` on its health topic about once a wall second.

It tells whoever listens (the calculator, the console) that the recorder's messages cross the bus
right now, and how fresh the store is: how far behind the newest stored sample is, when the store
last confirmed a write, how much is received and not yet durable, whether the store takes writes.
A stale store is then told apart from a silent vehicle. The same thread runs the recorder's other
once-a-second chores (dead-letter summaries). Nothing waits for the broker.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ground.ingest.outgoing import Outgoing
from marsy.clock import MissionClock
from marsy.protocol import ServiceHealth
from marsy.protocol.commanding import STANDBY

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Freshness:
    """What a recorder knows about its store, read once per heartbeat."""

    mission_id: str | None
    """Mission of the newest sample stored."""
    ingest_lag: float | None
    last_write: float | None
    pending: int
    store_ok: bool | None


class Heartbeat:
    """``start``/``stop`` a thread that publishes ``name``'s health every ``interval`` s."""

    def __init__(
        self,
        name: str,
        clock: MissionClock,
        outgoing: Outgoing,
        freshness: Callable[[], Freshness],
        *,
        interval: float = 1.0,
        chores: Sequence[Callable[[], None]] = (),
    ) -> None:
        self.name = name
        self.clock = clock
        self.interval = interval
        self.beats = 0
        self._outgoing = outgoing
        self._freshness = freshness
        self._chores = list(chores)
        self._started = time.monotonic()
        self._seq = int(time.time() * 1000)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"{name}-heartbeat", daemon=True)

    def start(self) -> None:
        self._started = time.monotonic()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def message(self) -> ServiceHealth:
        fresh = self._freshness()
        self._seq += 1
        return ServiceHealth(
            mission_id=fresh.mission_id or STANDBY,
            source=self.name,
            seq=self._seq,
            ts=self.clock.now(),
            uptime=time.monotonic() - self._started,
            ingest_lag=fresh.ingest_lag,
            last_write=fresh.last_write,
            pending=fresh.pending,
            store_ok=fresh.store_ok,
        )

    def beat(self) -> None:
        """One heartbeat and the chores, now."""
        for chore in self._chores:
            chore()
        if self._outgoing.send(self.message()):
            self.beats += 1

    def _run(self) -> None:
        while True:
            try:
                self.beat()
            except Exception:  # the heartbeat must outlive whatever one beat does
                logger.exception("%s: heartbeat failed", self.name)
            if self._stop.wait(self.interval):
                return
