"""Every query of every committed dashboard returns data after a simulated mission.

The mission is the flight model flown headless with the autopilot, every device's truth sent
through the contract messages and written as the ingest writes them (``point_line``,
``event_line``, ``alert_line``, ``health_line``) into a real influxd. Grafana's variables are
then replaced the way Grafana replaces them, and each query must answer with values.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from devservers import LocalInfluxd
from firmware_sim.physics import Autopilot, World
from firmware_sim.vehicles import load_vehicle
from ground.grafana.panels import datasource_uid
from marsy.protocol import (
    Alert,
    AlertRule,
    Device,
    DeviceHealth,
    EventType,
    MissionEvent,
    Severity,
    measurement,
)
from marsy.settings import InfluxSettings
from marsy.store import InfluxHttp
from marsy.store.schema import alert_line, database_for, event_line, health_line, point_line
from tests.grafana.dashboards import Query, all_queries

pytestmark = pytest.mark.integration

T0 = 1_800_000_000.0
"""Mission time zero (Unix seconds)."""
DURATION = 520.0
"""Past the payload's release (T+~467 s), so every device has flown."""
STEP = 0.1
HEARTBEAT = 5.0


@dataclass(frozen=True)
class Mission:
    mission_id: str
    databases: dict[str, str]
    """Datasource uid -> the database of this test standing in for it."""
    http: InfluxHttp


def fly(mission_id: str) -> dict[Device, list[str]]:
    """Line protocol of one simulated mission, by the device whose database it goes to."""
    world = World(load_vehicle("marsy"), seed=1, autopilot=Autopilot())
    lines: dict[Device, list[str]] = defaultdict(list)
    seq: dict[str, int] = defaultdict(int)

    def next_seq(source: str) -> int:
        seq[source] += 1
        return seq[source]

    started = MissionEvent(
        mission_id=mission_id,
        source="command",
        seq=next_seq("event-command"),
        ts=T0 - 60.0,
        event=EventType.MISSION_STARTED,
        detail="scenario nominal",
    )
    lines[Device.ROCKET].append(event_line(started))
    next_heartbeat = 0.0
    while world.t < DURATION:
        world.step(STEP)
        ts = T0 + world.t
        for event in world.pop_events():
            message = MissionEvent(
                mission_id=mission_id,
                source=str(event.device),
                seq=next_seq(f"event-{event.device}"),
                ts=T0 + event.t,
                event=event.event,
                device=event.device,
                detail=event.detail,
            )
            lines[Device.ROCKET].append(event_line(message))
        heartbeat = world.t >= next_heartbeat
        if heartbeat:
            next_heartbeat += HEARTBEAT
        for device in Device:
            if not world.active(device):
                continue
            common = {
                "mission_id": mission_id,
                "source": str(device),
                "seq": next_seq(str(device)),
                "ts": ts,
                "phase": world.phase(device),
                "values": world.truth(device),
            }
            sample = measurement(device, astronaut="Thomas", **common)
            lines[device].append(point_line(sample))
            if heartbeat:
                lines[Device.ROCKET].append(health_line(health(mission_id, device, world.t)))
    lines[Device.ROCKET] += [alert_line(alert) for alert in alerts(mission_id)]
    return lines


def health(mission_id: str, device: Device, t: float) -> DeviceHealth:
    beats = int(t // HEARTBEAT)
    return DeviceHealth(
        mission_id=mission_id,
        source=str(device),
        seq=10_000 + beats,
        ts=T0 + t,
        device=device,
        uptime=t,
        frames_ok=50 * beats,
        frames_bad=beats // 7,
        queue_depth=beats % 4,
        dropped=beats // 20,
        reconnects=beats // 30,
        board_online=beats % 11 != 10,
    )


def alerts(mission_id: str) -> list[Alert]:
    """What the calculator would say: a yellow at max-Q, its clearing, a red on the crew."""
    raised = {
        "mission_id": mission_id,
        "source": "calculator",
        "device": Device.ROCKET,
        "rule": AlertRule.LIMIT,
        "severity": Severity.YELLOW,
        "parameter": "dynamic_pressure",
        "value": 41_000.0,
        "limit": 40_000.0,
        "message": "dynamic pressure above its yellow limit",
    }
    return [
        Alert(**raised, seq=1, ts=T0 + 68.0),
        Alert(**{**raised, "value": 38_000.0, "cleared": True}, seq=2, ts=T0 + 75.0),
        Alert(
            mission_id=mission_id,
            source="calculator",
            seq=3,
            ts=T0 + 131.0,
            device=Device.SUIT,
            rule=AlertRule.VITALS,
            severity=Severity.RED,
            parameter="heart_rate",
            value=190.0,
            limit=185.0,
            message="heart rate above its red limit",
        ),
    ]


@pytest.fixture(scope="module")
def mission(influxd: LocalInfluxd) -> Iterator[Mission]:
    settings = influxd.settings()
    http = InfluxHttp(settings.url, username=settings.username, password=settings.password)
    suffix = uuid.uuid4().hex[:8]
    defaults = InfluxSettings()
    databases = {
        datasource_uid(defaults.flight_db): f"flight_{suffix}",
        datasource_uid(defaults.payload_db): f"payload_{suffix}",
    }
    for database in databases.values():
        http.create_database(database)
    mission_id = f"M{suffix}"
    stand_in = InfluxSettings(
        flight_db=databases[datasource_uid(defaults.flight_db)],
        payload_db=databases[datasource_uid(defaults.payload_db)],
    )
    for device, lines in fly(mission_id).items():
        database = database_for(device, stand_in)
        for start in range(0, len(lines), 5000):
            http.write(database, "\n".join(lines[start : start + 5000]).encode())
    yield Mission(mission_id, databases, http)
    for database in databases.values():
        http.query(f'DROP DATABASE "{database}"')
    http.close()


def as_grafana_sends_it(query: Query, mission_id: str) -> str:
    """The variables replaced as Grafana does: a time range in ms, a 1 s bucket."""
    start_ms, end_ms = int(T0 * 1000), int((T0 + DURATION + 60) * 1000)
    return (
        query.text.replace("$mission", mission_id)
        .replace("$timeFilter", f"time >= {start_ms}ms and time <= {end_ms}ms")
        .replace("$__interval_ms", "1000")
        .replace("$__interval", "1s")
    )


QUERIES = all_queries()
GRAFANA_VARIABLE = re.compile(r"\$\w|\$\{|\[\[")
"""What Grafana would replace: ``$name``, ``${name}``, ``[[name]]`` (a regex's ``$/`` is none)."""


def test_the_dashboards_have_queries() -> None:
    assert len(QUERIES) > 50
    assert {q.dashboard for q in QUERIES} == {
        "marsy-flight",
        "marsy-crew",
        "marsy-booster",
        "marsy-payload",
        "marsy-health",
    }


@pytest.mark.parametrize("query", QUERIES, ids=[q.id for q in QUERIES])
def test_the_query_returns_data(query: Query, mission: Mission) -> None:
    sent = as_grafana_sends_it(query, mission.mission_id)
    assert not GRAFANA_VARIABLE.search(sent), f"a variable is left: {sent}"
    series = mission.http.query(sent, mission.databases[query.datasource])
    values = [
        value
        for one in series
        for row in one.values
        for column, value in zip(one.columns, row, strict=True)
        if column != "time" and value is not None
    ]
    assert values, f"no data for {sent}"
