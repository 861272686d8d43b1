"""A mission's data as files people load elsewhere: one CSV per device and ``mission.json``.

CSV columns: ``time_utc`` (the sample's own timestamp, ISO 8601 to the microsecond, as
stored), ``t_after_liftoff_s``, ``sequence_number`` (the device's sample number in the
mission), ``flight_phase``, ``source``, then each dictionary parameter as ``name_unit`` (the
unit people read it in: ``altitude_m``, ``g_load_g``, ``mach_1`` for a plain number) in
dictionary order, at the dictionary's precision (:mod:`ground.report.precision`); a stored
column the dictionary does not know comes last, under its own name, as stored.
``mission.json`` holds the mission (id, scenario, state, times), its events from Command's log,
its alerts, and each CSV's columns with their parameter, unit and resolution.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from ground.command.picture import Kind
from ground.report.data import MissionData, Series
from ground.report.grounded import grounded
from ground.report.precision import header, value_text
from marsy.protocol import Device, Parameter, parameters_of
from marsy.store.schema import MISSION_TAG, PHASE_FIELD, SEQ_FIELD, SOURCE_TAG, timestamp_ns

TIME = "time_utc"
SINCE_LIFTOFF = "t_after_liftoff_s"
SEQUENCE = "sequence_number"
PHASE = "flight_phase"
SOURCE = "source"
MISSION_FILE = "mission.json"
EVENT_KINDS = (Kind.GO_NO_GO, Kind.DECISION, Kind.EVENT, Kind.REFUSED)
"""The timeline entries ``mission.json`` keeps as the mission's events."""

_FIXED = {SEQ_FIELD: SEQUENCE, PHASE_FIELD: PHASE, SOURCE_TAG: SOURCE}
"""Stored columns that are not parameters, and their exported names."""
_LEFT_OUT = frozenset({MISSION_TAG})
"""The same in every row: the file is one mission's."""


def iso_utc(time_ns: int) -> str:
    """``2027-01-15T08:00:00.123456Z``: a stored timestamp (µs precision) exactly."""
    seconds, rest = divmod(time_ns, 1_000_000_000)
    stamp = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{rest // 1000:06d}Z"


def _seconds_iso(ts: float) -> str:
    return iso_utc(timestamp_ns(ts))


def csv_name(mission_id: str, device: Device) -> str:
    return f"{mission_id}-{device}.csv"


Column = tuple[str, str, Callable[[Any], str], Parameter | None]
"""Exported header, stored column, how a value is written, the parameter (if one)."""


def columns(device: Device, series: Series) -> list[Column]:
    """The columns of one device's CSV after the two times, in order."""
    stored = set(series.columns)
    out: list[Column] = [
        (exported, name, partial(value_text, None), None)
        for name, exported in _FIXED.items()
        if name in stored
    ]
    known = set(_FIXED) | _LEFT_OUT
    for param in parameters_of(device):
        if param.name in stored:
            out.append((header(param), param.name, partial(value_text, param), param))
            known.add(param.name)
    out += [(name, name, partial(value_text, None), None) for name in sorted(stored - known)]
    return out


def write_device_csv(path: Path, device: Device, series: Series) -> list[Column]:
    chosen = columns(device, series)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([TIME, SINCE_LIFTOFF, *[c[0] for c in chosen]])
        for i, (time_ns, t) in enumerate(zip(series.time_ns, series.t, strict=True)):
            row = [iso_utc(time_ns), f"{t:.6f}"]
            row += [write(series.columns[name][i]) for _, name, write, _ in chosen]
            writer.writerow(row)
    return chosen


def mission_record(data: MissionData, files: dict[Device, tuple[str, list[Column]]]) -> Any:
    """What ``mission.json`` holds (JSON-ready)."""
    mission = data.mission
    kept_down = grounded(mission, data.timeline)
    events = [
        {
            TIME: _seconds_iso(entry.ts),
            SINCE_LIFTOFF: round(entry.ts - data.liftoff, 6),
            "kind": entry.kind,
            "source": entry.source,
            "text": entry.text,
            "data": entry.data,
        }
        for entry in data.timeline
        if entry.kind in EVENT_KINDS
    ]
    alerts = [
        {
            TIME: iso_utc(int(row["time"])),
            SINCE_LIFTOFF: round(row["time"] / 1e9 - data.liftoff, 6),
            **{k: v for k, v in row.items() if k != "time" and k not in _LEFT_OUT},
        }
        for row in sorted(data.alerts, key=lambda r: r["time"])
    ]
    return {
        "mission": {
            "id": mission.mission_id,
            "scenario": mission.scenario,
            "state": mission.state,
            "phase": mission.phase,
            "detail": mission.detail,
            "flew": kept_down is None,
            "started_utc": _seconds_iso(mission.started),
            "ended_utc": None if mission.ended is None else _seconds_iso(mission.ended),
            "liftoff_utc": _seconds_iso(data.liftoff),
        },
        "no_go_reasons": [] if kept_down is None else kept_down.reasons,
        "events": events,
        "alerts": alerts,
        "files": {
            str(device): {
                "file": name,
                "rows": len(data.devices[device].t),
                "columns": {
                    exported: {
                        "stored_as": stored,
                        "parameter": None if param is None else param.key,
                        "unit": None if param is None else param.shown_unit,
                        "si_unit": None if param is None else param.unit,
                        "resolution": None if param is None else param.resolution,
                    }
                    for exported, stored, _, param in chosen
                },
            }
            for device, (name, chosen) in files.items()
        },
    }


def export(data: MissionData, folder: Path) -> list[Path]:
    """Every device's CSV that has samples, and ``mission.json`` (always, even with no
    telemetry: a scrubbed mission still has its go/no-go answers)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    files: dict[Device, tuple[str, list[Column]]] = {}
    for device, series in data.devices.items():
        if not series.t:
            continue
        name = csv_name(data.mission.mission_id, device)
        files[device] = (name, write_device_csv(folder / name, device, series))
        written.append(folder / name)
    record = mission_record(data, files)
    path = folder / MISSION_FILE
    path.write_text(json.dumps(record, indent=2, default=str) + "\n")
    written.append(path)
    return written
