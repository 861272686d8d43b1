"""The store over the InfluxDB HTTP API (1.x; 2.x through its v1 layer; 3.x): :class:`InfluxStore`.

Writes go to ``settings.url``, reads to ``settings.read_url`` when set (a replica), each device's
telemetry to and from its database (:func:`marsy.store.schema.database_for`). Opened from the
settings by :func:`connect_store`; its statements are those of :mod:`marsy.store.queries`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType

from marsy.protocol import Device
from marsy.settings import InfluxSettings
from marsy.store import queries
from marsy.store.http import InfluxHttp
from marsy.store.port import Store
from marsy.store.reads import Row, Sample, TelemetryReader
from marsy.store.schema import database_for
from marsy.store.spool import Spool
from marsy.store.writer import BatchWriter


class InfluxStore(Store):
    """The :class:`~marsy.store.port.Store` over one InfluxDB endpoint (and its replica for reads);
    safe to share between threads. Closes its connections on :meth:`close` or leaving ``with``."""

    def __init__(
        self, http: InfluxHttp, settings: InfluxSettings, *, reads: InfluxHttp | None = None
    ) -> None:
        """``http`` takes the writes, ``reads`` (default ``http``) the reads; ``settings``
        names the databases and the writer's batches."""
        self.settings = settings
        self._http = http
        self._reads = reads or http
        self._readers = {
            name: TelemetryReader(self._reads, name)
            for name in (settings.flight_db, settings.payload_db)
        }

    def _reader(self, device: Device) -> TelemetryReader:
        return self._readers[database_for(device, self.settings)]

    # --- reads ----------------------------------------------------------------------------------

    def window(self, device: Device, mission_id: str, start: float, end: float) -> list[Sample]:
        return self._reader(device).window(device, mission_id, start, end)

    def latest(
        self, device: Device, mission_id: str, now: float, count: int = 1, horizon: float = 60.0
    ) -> list[Sample]:
        return self._reader(device).latest(device, mission_id, now, count, horizon)

    def telemetry(self, device: Device, mission_id: str) -> list[Row]:
        return self._reader(device).mission(device, mission_id)

    def alerts(self, mission_id: str) -> list[Row]:
        return self._readers[self.settings.flight_db].rows(queries.alerts(mission_id))

    # --- writes ---------------------------------------------------------------------------------

    def ping(self) -> bool:
        return self._http.ping()

    def check_writable(self, database: str) -> None:
        self._http.check_writable(database)

    def write(self, database: str, lines: Sequence[str]) -> None:
        self._http.write(database, "\n".join(lines).encode())

    def batch_writer(
        self, spool: Path | None = None, *, now: Callable[[], float] | None = None
    ) -> BatchWriter:
        return BatchWriter(
            self._http,
            batch_size=self.settings.batch_size,
            flush_interval=self.settings.flush_interval,
            spool=None if spool is None else Spool(spool),
            now=now or time.time,
        )

    # --- influxd's own ----------------------------------------------------------------------------

    def cache_bytes(self, database: str | None = None) -> int:
        """Bytes in influxd's write cache (of ``database``, or all): what a bulk load has not
        yet snapshotted to its files. Benches wait for 0 to read history as a mission's is
        read; influxd only (``SHOW STATS``), the embedded store keeps no such cache."""
        return sum(
            int(row["memBytes"])
            for series in self._reads.query(queries.WRITE_CACHE)
            if series.name == "tsm1_cache"
            and (database is None or series.tags.get("database") == database)
            for row in series.rows
        )

    # --- lifetime -------------------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()
        if self._reads is not self._http:
            self._reads.close()

    def __enter__(self) -> InfluxStore:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def connect_store(settings: InfluxSettings) -> InfluxStore:
    """The store ``settings`` name, signed in as their login. Connects lazily: opening never
    fails on a store that is down; the first read or write says so."""

    def endpoint(url: str) -> InfluxHttp:
        return InfluxHttp(
            url, username=settings.username, password=settings.password, timeout=settings.timeout
        )

    replica = settings.read_url
    reads = endpoint(replica) if replica is not None and replica != settings.url else None
    return InfluxStore(endpoint(settings.url), settings, reads=reads)
