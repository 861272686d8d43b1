"""Read-side queries over stored telemetry whose cost does not grow with the mission.

Every query is bounded by time on both sides, computed from the mission clock (not InfluxDB's
``now()``, which is wall time and wrong under time warp). InfluxDB keeps points in time-ordered
shards and blocks, so a bounded window reads the same few blocks at minute 1 and at hour 10.
The whole-mission reads (:meth:`TelemetryReader.rows`) are for the report, after the flight.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marsy.protocol import Device
from marsy.store import queries
from marsy.store.http import InfluxHttp
from marsy.store.schema import measurement_for, timestamp_ns

Row = dict[str, Any]
"""One stored point as a query answers it: ``time`` (ns) and every column of its measurement,
``None`` where the point has no value."""


@dataclass(frozen=True)
class Sample:
    """One stored point: its time (ns) and its fields."""

    time_ns: int
    fields: dict[str, Any]


class TelemetryReader:
    """Reads the telemetry of one database (flight or payload)."""

    def __init__(self, http: InfluxHttp, database: str) -> None:
        self._http = http
        self.database = database

    def rows(self, query: str) -> list[Row]:
        """The rows of every series ``query`` answers, in the order InfluxDB gives them."""
        return [row for series in self._http.query(query, self.database) for row in series.rows]

    def _samples(self, query: str) -> list[Sample]:
        samples: list[Sample] = []
        for row in self.rows(query):
            time_ns = row.pop("time")
            samples.append(Sample(time_ns, {k: v for k, v in row.items() if v is not None}))
        return samples

    def window(self, device: Device, mission_id: str, start: float, end: float) -> list[Sample]:
        """Every point of ``device`` in ``(start, end]`` (mission-clock seconds), oldest first."""
        return self._samples(
            queries.window(
                measurement_for(device), mission_id, timestamp_ns(start), timestamp_ns(end)
            )
        )

    def latest(
        self, device: Device, mission_id: str, now: float, count: int = 1, horizon: float = 60.0
    ) -> list[Sample]:
        """The ``count`` newest points no older than ``horizon`` seconds, newest first."""
        return self._samples(
            queries.latest(
                measurement_for(device),
                mission_id,
                timestamp_ns(now - horizon),
                timestamp_ns(now),
                int(count),
            )
        )

    def mission(self, device: Device, mission_id: str) -> list[Row]:
        """Every point the mission stored for ``device``, oldest first (a whole-mission scan)."""
        return self.rows(queries.whole_mission(measurement_for(device), mission_id))

    def count(self, device: Device, mission_id: str) -> int:
        """How many distinct points the mission stored for ``device`` (a whole-mission scan)."""
        series = self._http.query(queries.count(measurement_for(device), mission_id), self.database)
        return int(series[0].values[0][1]) if series and series[0].values else 0

    def sequence_numbers(self, device: Device, mission_id: str) -> list[int]:
        """Every stored sequence number of the mission, ascending by time."""
        series = self._http.query(
            queries.sequence_numbers(measurement_for(device), mission_id), self.database
        )
        return [int(row[1]) for item in series for row in item.values]
