"""A dashboard opens on the newest mission that really started: its ``$mission`` query, exactly
as committed, run against influxd after two missions, the agents' standby samples and a replay
were written through the store's seam, and its answer read the way Grafana reads it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from devservers import LocalInfluxd
from marsy.protocol import Device, DeviceTelemetry, EventType, FlightPhase, MissionEvent
from marsy.protocol.commanding import STANDBY
from marsy.store import InfluxHttp, connect_store
from marsy.store.schema import event_line, point_line, replay_id
from tests.grafana.dashboards import committed_dashboards
from tests.grafana.grafana_variables import (
    ALPHABETICAL_DESCENDING,
    metric_find_values,
    opens_on,
    options,
)

pytestmark = pytest.mark.integration

T0 = 1_900_000_000.0
OLDER = "M20300102-120000-ffffff"
NEWER = "M20300101-090000-000000"
"""Started an hour after OLDER, though its id sorts first: the order is the clock's."""


def started(mission_id: str, ts: float, seq: int = 1) -> str:
    return event_line(
        MissionEvent(
            mission_id=mission_id,
            source="command",
            seq=seq,
            ts=ts,
            event=EventType.MISSION_STARTED,
            detail="scenario nominal",
        )
    )


def liftoff(mission_id: str, ts: float) -> str:
    return event_line(
        MissionEvent(
            mission_id=mission_id,
            source="rocket",
            seq=2,
            ts=ts,
            event=EventType.LIFTOFF,
            device=Device.ROCKET,
        )
    )


def samples(mission_id: str, start: float, count: int) -> list[str]:
    return [
        point_line(
            DeviceTelemetry(
                mission_id=mission_id,
                source="rocket",
                seq=seq,
                ts=start + seq / 10,
                device=Device.ROCKET,
                phase=FlightPhase.PAD,
                values={"altitude": 0.0},
            )
        )
        for seq in range(count)
    ]


@pytest.fixture
def flight(influxd: LocalInfluxd) -> Iterator[tuple[InfluxHttp, str]]:
    """A database of this test's own standing in for ``flight``, holding two missions, the
    standby samples and events after both, and a replay of the older mission after that."""
    admin = influxd.settings()
    http = InfluxHttp(admin.url, username=admin.username, password=admin.password)
    database = f"flight_{uuid.uuid4().hex[:8]}"
    http.create_database(database)
    lines = [
        started(OLDER, T0),
        liftoff(OLDER, T0 + 60),
        *samples(OLDER, T0, 50),
        started(NEWER, T0 + 3600),
        liftoff(NEWER, T0 + 3660),
        *samples(NEWER, T0 + 3600, 50),
        *samples(STANDBY, T0 + 7200, 50),
        started(STANDBY, T0 + 7200),
        started(replay_id(OLDER), T0 + 9000),
        *samples(replay_id(OLDER), T0 + 9000, 50),
    ]
    with connect_store(admin) as store:
        store.write(database, lines)
    yield http, database
    http.query(f'DROP DATABASE "{database}"')
    http.close()


def as_grafana_asks(http: InfluxHttp, database: str, query: str) -> Any:
    """The raw JSON Grafana's datasource receives (it asks in milliseconds)."""
    _, body = http.request("GET", "/query", {"q": query, "db": database, "epoch": "ms"})
    return json.loads(body)


def test_every_dashboard_opens_on_the_newest_real_mission(
    flight: tuple[InfluxHttp, str],
) -> None:
    http, database = flight
    for board in committed_dashboards():
        (variable,) = board["templating"]["list"]
        answer = as_grafana_asks(http, database, variable["query"])
        values = metric_find_values(variable["query"], answer)

        assert values == [NEWER, OLDER], board["uid"]
        assert opens_on(variable, values) == NEWER, board["uid"]


def test_sorted_by_name_the_list_would_open_on_standby(flight: tuple[InfluxHttp, str]) -> None:
    """Why the order is the query's: names put ``standby`` above every ``M...`` id."""
    http, database = flight
    answer = as_grafana_asks(http, database, 'SHOW TAG VALUES FROM "rocket" WITH KEY = "mission"')
    names = metric_find_values("SHOW TAG VALUES", answer)
    assert options(names, ALPHABETICAL_DESCENDING)[0] == STANDBY


def test_the_parser_reads_like_grafanas() -> None:
    select = {
        "results": [
            {
                "series": [
                    {
                        "columns": ["time", "mission", "detail"],
                        "values": [[3, "b", "x"], [2, "a", "y"], [1, "b", "z"]],
                    }
                ]
            },
            {"series": [{"columns": ["time", "mission"], "values": [[9, "ignored"]]}]},
        ]
    }
    assert metric_find_values("SELECT ...", select) == ["b", "a"]
    fields = {"results": [{"series": [{"values": [["altitude", "float"], ["seq", "integer"]]}]}]}
    assert metric_find_values("SHOW FIELD KEYS", fields) == ["altitude", "seq"]
    assert metric_find_values("SELECT ...", {"results": [{}]}) == []
    assert opens_on({"sort": 0, "current": {"value": "a"}}, ["b", "a"]) == "a"
