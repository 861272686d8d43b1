"""Everything a report needs about one mission, read from where MarsY stored it: the store
(telemetry per device, alerts) and Command's mission log (timeline)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ground.command.store import Entry, Mission, MissionStore
from marsy.protocol import Device
from marsy.store import MissionReads


@dataclass
class Series:
    """One device's stored telemetry: time (s after lift-off, and as stored: Unix ns) and one
    column per field."""

    t: list[float] = field(default_factory=list)
    columns: dict[str, list[Any]] = field(default_factory=dict)
    time_ns: list[int] = field(default_factory=list)

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

    def timestamps(self) -> list[float]:
        """Every stored timestamp of the mission (Unix seconds, the mission's clock): samples,
        timeline entries, alerts; the mission's start when nothing else was kept."""
        times = [entry.ts for entry in self.timeline]
        times += [row["time"] / 1e9 for row in self.alerts]
        for series in self.devices.values():
            if series.time_ns:
                times += [series.time_ns[0] / 1e9, series.time_ns[-1] / 1e9]
        return times or [self.mission.started]


def load(mission_id: str, store_path: Path, reads: MissionReads) -> MissionData:
    """The mission ``mission_id``: its timeline from Command's log at ``store_path``, its
    telemetry and alerts through ``reads``."""
    log = MissionStore(store_path)
    try:
        mission = log.get(mission_id)
        if mission is None:
            raise LookupError(f"no mission {mission_id} in {store_path}")
        timeline = log.timeline(mission_id)
    finally:
        log.close()
    liftoff = next(
        (e.ts for e in timeline if e.kind == "event" and e.text == "liftoff"), mission.started
    )
    devices: dict[Device, Series] = {}
    for device in Device:
        series = Series()
        for row in reads.telemetry(device, mission_id):
            time_ns = int(row.pop("time"))
            series.time_ns.append(time_ns)
            series.t.append(time_ns / 1e9 - liftoff)
            for name, value in row.items():
                series.columns.setdefault(name, []).append(value)
        devices[device] = series
    return MissionData(mission, liftoff, devices, timeline, reads.alerts(mission_id))
