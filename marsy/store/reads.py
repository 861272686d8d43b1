"""Read-side queries over stored telemetry whose cost does not grow with the mission.

Every query is bounded by time on both sides, computed from the mission clock (not InfluxDB's
``now()``, which is wall time and wrong under time warp). InfluxDB keeps points in time-ordered
shards and blocks, so a bounded window reads the same few blocks at minute 1 and at hour 10.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marsy.protocol import Device
from marsy.store.http import InfluxHttp
from marsy.store.schema import SEQ_FIELD, measurement_for, timestamp_ns


@dataclass(frozen=True)
class Sample:
    """One stored point: its time (ns) and its fields."""

    time_ns: int
    fields: dict[str, Any]


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class TelemetryReader:
    """Reads recent telemetry of one database (flight or payload)."""

    def __init__(self, http: InfluxHttp, database: str) -> None:
        self._http = http
        self.database = database

    def _select(self, device: Device, where: str, suffix: str = "") -> list[Sample]:
        query = f'SELECT * FROM "{measurement_for(device)}" WHERE {where}{suffix}'
        series = self._http.query(query, self.database)
        samples: list[Sample] = []
        for item in series:
            for row in item.rows:
                time_ns = row.pop("time")
                samples.append(Sample(time_ns, {k: v for k, v in row.items() if v is not None}))
        return samples

    @staticmethod
    def _bounds(mission_id: str, start: float, end: float) -> str:
        return (
            f"mission = {_quote(mission_id)} AND time > {timestamp_ns(start)} "
            f"AND time <= {timestamp_ns(end)}"
        )

    def window(self, device: Device, mission_id: str, start: float, end: float) -> list[Sample]:
        """Every point of ``device`` in ``(start, end]`` (mission-clock seconds), oldest first."""
        return self._select(device, self._bounds(mission_id, start, end))

    def latest(
        self, device: Device, mission_id: str, now: float, count: int = 1, horizon: float = 60.0
    ) -> list[Sample]:
        """The ``count`` newest points no older than ``horizon`` seconds, newest first."""
        return self._select(
            device,
            self._bounds(mission_id, now - horizon, now),
            f" ORDER BY time DESC LIMIT {int(count)}",
        )

    def count(self, device: Device, mission_id: str) -> int:
        """How many distinct points the mission stored for ``device`` (a whole-mission scan)."""
        query = (
            f'SELECT count("{SEQ_FIELD}") FROM "{measurement_for(device)}" '
            f"WHERE mission = {_quote(mission_id)}"
        )
        series = self._http.query(query, self.database)
        return int(series[0].values[0][1]) if series and series[0].values else 0

    def sequence_numbers(self, device: Device, mission_id: str) -> list[int]:
        """Every stored sequence number of the mission, ascending by time (for the ledger)."""
        query = (
            f'SELECT "{SEQ_FIELD}" FROM "{measurement_for(device)}" '
            f"WHERE mission = {_quote(mission_id)}"
        )
        series = self._http.query(query, self.database)
        return [int(row[1]) for item in series for row in item.values]
