"""What MarsY asks of a time-series store, and nothing more: the seam its programs go through.

A recorder (telemetry ingest, the payload's) writes batches durably and checks at start-up that
its login may write; the calculator reads each device's recent window, and the newest point when
the store trails the bus; the report, ``export`` and ``replay`` read one whole mission back
(telemetry per device, alerts). :func:`marsy.store.connect_store` opens the one implementation,
over the InfluxDB 1.x HTTP API; the statements it sends are listed in :mod:`marsy.store.queries`.

Errors are the adapter's: :class:`~marsy.store.http.InfluxUnavailable` (try again later, the
set-up's faults among them) and :class:`~marsy.store.http.InfluxRejected` (refused for good).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from marsy.protocol import Device
from marsy.store.reads import Row, Sample
from marsy.store.writer import BatchWriter


class WindowReads(Protocol):
    """The calculator's reads: bounded by time on both sides, so a cycle costs the same at
    minute 1 and at hour 10. Times are mission-clock seconds; a device's database is the
    store's business."""

    def window(self, device: Device, mission_id: str, start: float, end: float) -> list[Sample]:
        """Every point of ``device`` in ``(start, end]``, oldest first."""
        ...

    def latest(
        self, device: Device, mission_id: str, now: float, count: int = 1, horizon: float = 60.0
    ) -> list[Sample]:
        """The ``count`` newest points no older than ``horizon`` seconds, newest first."""
        ...


class MissionReads(Protocol):
    """The report's and the replay's reads: one whole mission, after (or while) it flew."""

    def telemetry(self, device: Device, mission_id: str) -> list[Row]:
        """Every point the mission stored for ``device``, oldest first."""
        ...

    def alerts(self, mission_id: str) -> list[Row]:
        """Every alert and clearing the calculator stored for the mission, oldest first."""
        ...


class Store(WindowReads, MissionReads, Protocol):
    """A time-series store as MarsY uses it; open one with :func:`marsy.store.connect_store`."""

    def ping(self) -> bool:
        """Whether the store answers now."""
        ...

    def check_writable(self, database: str) -> None:
        """Return once this login may write to ``database``; else raise, saying what the
        set-up lacks (the database, the user, its grant) or that the store does not answer."""
        ...

    def write(self, database: str, lines: Sequence[str]) -> None:
        """Write one batch of line protocol now, whole or not at all (no retry, no spool)."""
        ...

    def batch_writer(
        self, spool: Path | None = None, *, now: Callable[[], float] | None = None
    ) -> BatchWriter:
        """The durable write path: batches of the settings' size, in the background; with a
        ``spool`` folder, an unavailable store costs disk, not memory, and nothing
        acknowledged is lost. ``now``: the clock ``stats.last_write`` is read on."""
        ...

    def close(self) -> None:
        """Close every connection (a writer's thread closes its own when it stops)."""
        ...
