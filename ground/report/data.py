"""Everything a report needs about one mission, read from where MarsY stored it: InfluxDB
(telemetry per device, alerts, agent health) and Command's mission log (timeline)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ground.command.store import Entry, Mission, MissionStore
from marsy.protocol import Device
from marsy.settings import InfluxSettings
from marsy.store.http import InfluxHttp
from marsy.store.schema import ALERTS, database_for, measurement_for


@dataclass
class Series:
    """One device's stored telemetry: time (s after lift-off) and one column per field."""

    t: list[float] = field(default_factory=list)
    columns: dict[str, list[Any]] = field(default_factory=dict)

    def column(self, name: str) -> list[float | None]:
        return [None if v is None else float(v) for v in self.columns.get(name, [])]


@dataclass
class MissionData:
    mission: Mission
    liftoff: float
    """Mission time of lift-off (or of the first sample): the report's zero."""
    devices: dict[Device, Series]
    timeline: list[Entry]
    alerts: list[dict[str, Any]]


def _query(http: InfluxHttp, database: str, query: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for series in http.query(query, database):
        rows += series.rows
    return rows


def load(
    mission_id: str, store_path: Path, http: InfluxHttp, settings: InfluxSettings
) -> MissionData:
    store = MissionStore(store_path)
    try:
        mission = store.get(mission_id)
        if mission is None:
            raise LookupError(f"no mission {mission_id} in {store_path}")
        timeline = store.timeline(mission_id)
    finally:
        store.close()
    liftoff = next(
        (e.ts for e in timeline if e.kind == "event" and e.text == "liftoff"), mission.started
    )
    devices: dict[Device, Series] = {}
    for device in Device:
        rows = _query(
            http,
            database_for(device, settings),
            f"SELECT * FROM \"{measurement_for(device)}\" WHERE mission = '{mission_id}'",
        )
        series = Series()
        for row in rows:
            series.t.append(row.pop("time") / 1e9 - liftoff)
            for name, value in row.items():
                series.columns.setdefault(name, []).append(value)
        devices[device] = series
    alerts = _query(
        http, settings.flight_db, f"SELECT * FROM \"{ALERTS}\" WHERE mission = '{mission_id}'"
    )
    return MissionData(mission, liftoff, devices, timeline, alerts)
