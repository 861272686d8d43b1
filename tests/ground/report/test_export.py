"""``marsy export``'s files read back to the stored values: a flight's telemetry, measured as
the boards measure it (quantised, sent as 32-bit floats), written through the store's seam to a
real influxd, loaded as the report loads it and exported; each CSV value, read as the board's
32-bit float, is the stored value, each time the stored timestamp; ``mission.json`` holds the
mission, its events and alerts and what each column is."""

from __future__ import annotations

import csv
import json
import random
import struct
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from devservers import LocalInfluxd
from firmware_sim.boards.sensors import measure
from firmware_sim.physics import Autopilot, World
from firmware_sim.vehicles import load_vehicle
from ground.command.store import Entry, Mission, MissionStore
from ground.report.data import load
from ground.report.export import MISSION_FILE, SEQUENCE, SINCE_LIFTOFF, TIME, csv_name, export
from marsy.protocol import (
    Alert,
    AlertRule,
    Device,
    FlightPhase,
    MissionState,
    Severity,
    ValueType,
    measurement,
    parameter,
)
from marsy.settings import InfluxSettings
from marsy.store import InfluxHttp, connect_store
from marsy.store.schema import alert_line, database_for, point_line

pytestmark = pytest.mark.integration

T0 = 1_900_000_000.0
DURATION = 170.0
"""Past staging: the booster has flown on its own too."""
STEP = 0.5


def f32(value: float) -> float:
    return float(struct.unpack("<f", struct.pack("<f", value))[0])


def fly(mission_id: str) -> tuple[dict[Device, list[str]], list[Entry]]:
    """Line protocol per device, as the ingest writes it, and Command's timeline of events."""
    world = World(load_vehicle("marsy"), seed=3, autopilot=Autopilot())
    rng = random.Random(3)
    lines: dict[Device, list[str]] = defaultdict(list)
    timeline: list[Entry] = []
    seq: dict[Device, int] = defaultdict(int)
    while world.t < DURATION:
        world.step(STEP)
        timeline += [
            Entry(T0 + e.t, "event", str(e.device), e.event, {"detail": e.detail})
            for e in world.pop_events()
        ]
        for device in Device:
            if not world.active(device):
                continue
            values: dict[str, Any] = {}
            for name, truth in world.truth(device).items():
                param = parameter(device, name)
                read = measure(param, float(truth), rng)
                values[name] = f32(read) if param.type is ValueType.FLOAT else read
            message = measurement(
                device,
                astronaut="Thomas",
                mission_id=mission_id,
                source=str(device),
                seq=seq[device],
                ts=T0 + world.t + rng.random() * 1e-3,
                phase=world.phase(device),
                values=values,
            )
            seq[device] += 1
            lines[device].append(point_line(message))
    return lines, timeline


@pytest.fixture
def stored(influxd: LocalInfluxd, tmp_path: Path) -> Iterator[tuple[InfluxSettings, Path, str]]:
    """A flown mission in databases of this test's own and its mission log."""
    admin = influxd.settings()
    suffix = uuid.uuid4().hex[:8]
    settings = admin.model_copy(
        update={"flight_db": f"flight_{suffix}", "payload_db": f"payload_{suffix}"}
    )
    http = InfluxHttp(admin.url, username=admin.username, password=admin.password)
    for database in (settings.flight_db, settings.payload_db):
        http.create_database(database)
    mission_id = f"M{suffix}"
    lines, timeline = fly(mission_id)
    alert = Alert(
        mission_id=mission_id,
        source="calculator",
        seq=1,
        ts=T0 + 62.0,
        device=Device.ROCKET,
        rule=AlertRule.LIMIT,
        severity=Severity.YELLOW,
        parameter="dynamic_pressure",
        value=41_000.0,
        limit=40_000.0,
        message="dynamic pressure above its yellow limit",
    )
    with connect_store(settings) as store:
        for device, device_lines in lines.items():
            store.write(database_for(device, settings), device_lines)
        store.write(settings.flight_db, [alert_line(alert)])
    log_path = tmp_path / "missions.db"
    log = MissionStore(log_path)
    log.create(
        Mission(
            mission_id, "nominal", MissionState.COMPLETE, FlightPhase.ORBIT, T0, T0 + DURATION, ""
        )
    )
    for entry in timeline:
        log.record(mission_id, entry)
    log.close()
    yield settings, log_path, mission_id
    for database in (settings.flight_db, settings.payload_db):
        http.query(f'DROP DATABASE "{database}"')
    http.close()


def ns_of(iso: str) -> int:
    """``2030-03-17T17:46:40.123456Z`` back to Unix nanoseconds, exactly."""
    whole, _, fraction = iso.rstrip("Z").partition(".")
    seconds = int(datetime.fromisoformat(whole + "+00:00").timestamp())
    return seconds * 1_000_000_000 + int(fraction) * 1000


def test_exported_values_read_back_to_the_stored_ones(
    stored: tuple[InfluxSettings, Path, str], tmp_path: Path
) -> None:
    settings, log_path, mission_id = stored
    with connect_store(settings) as store:
        data = load(mission_id, log_path, store)
        straight = {device: store.telemetry(device, mission_id) for device in Device}
    folder = tmp_path / "export"
    written = export(data, folder)

    record = json.loads((folder / MISSION_FILE).read_text())
    assert {p.name for p in written} == {MISSION_FILE} | {
        csv_name(mission_id, d) for d in Device if straight[d]
    }
    assert set(record["files"]) == {"rocket", "booster", "suit"}, "the satellite is not out yet"
    checked = 0
    for device_name, described in record["files"].items():
        rows = straight[Device(device_name)]
        with (folder / described["file"]).open(newline="") as handle:
            exported = list(csv.DictReader(handle))
        assert len(exported) == len(rows) == described["rows"]
        header = list(exported[0])
        assert header[:2] == [TIME, SINCE_LIFTOFF] and SEQUENCE in header
        assert "altitude_m" in header and "mission" not in header
        for row, original in zip(exported, rows, strict=True):
            assert ns_of(row[TIME]) == original["time"]
            assert int(row[SEQUENCE]) == original["seq"]
            for column, about in described["columns"].items():
                value, text = original[about["stored_as"]], row[column]
                if about["parameter"] is None:
                    assert text == ("" if value is None else str(value)), column
                    continue
                param = parameter(Device(device_name), about["stored_as"])
                assert column == f"{param.name}_{param.shown_unit}"
                if value is None:
                    assert text == ""
                elif param.type is ValueType.INT:
                    assert int(text) == value
                else:
                    assert abs(float(text) - value) <= param.resolution / 2 + 1e-9 * abs(value)
                    assert f32(float(text)) == value, (column, text, value)
                    checked += 1
    assert checked > 5_000

    g_load = record["files"]["suit"]["columns"]["g_load_g"]
    assert g_load == {
        "stored_as": "g_load",
        "parameter": "suit.g_load",
        "unit": "g",
        "si_unit": "1",
        "resolution": parameter(Device.SUIT, "g_load").resolution,
    }
    assert record["mission"]["id"] == mission_id and record["mission"]["flew"] is True
    assert record["mission"]["started_utc"].startswith("2030-03-17T")
    events = [e["text"] for e in record["events"]]
    assert events[0] == "liftoff" and "max_q" in events and "stage_separation" in events
    (alert,) = record["alerts"]
    assert alert["message"] == "dynamic pressure above its yellow limit"
    assert alert["level"] == 1 and alert[SINCE_LIFTOFF] == pytest.approx(62.0 - data.liftoff + T0)
