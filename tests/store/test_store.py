"""The store's seam over influxd and the embedded store: each role's login does its job through
:func:`connect_store`, the seam sends only the shapes :mod:`marsy.store.queries` lists, reads go
to a replica when there is one, and the durable writer spools through an outage."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from devservers import LocalInfluxd, free_port
from devservers.embedded.tsdb.instance import EmbeddedInfluxd
from devservers.influx_admin import InfluxAdmin
from marsy.protocol import Alert, AlertRule, Device, DeviceTelemetry, FlightPhase, Severity
from marsy.settings import InfluxSettings
from marsy.store import (
    InfluxHttp,
    InfluxNotSetUp,
    InfluxStore,
    InfluxUnavailable,
    Series,
    connect_store,
    point_line,
    queries,
)
from marsy.store.schema import alert_line
from marsy.store.users import CALCULATOR, PAYLOAD, REPORT, TELEMETRY
from tests.waiting import wait_for

pytestmark = pytest.mark.integration

T0 = 1_800_000_000.0
FLIGHT, PAYLOAD_DB = InfluxSettings().flight_db, InfluxSettings().payload_db


def sample(device: Device, mission: str, seq: int) -> DeviceTelemetry:
    values = (
        {"battery": 90.0 - seq / 100} if device is Device.SATELLITE else {"altitude": seq * 2.0}
    )
    return DeviceTelemetry(
        mission_id=mission,
        source=str(device),
        seq=seq,
        ts=T0 + seq / 10,
        device=device,
        phase=FlightPhase.ASCENT,
        values=values,
    )


def red_alert(mission: str, seq: int) -> Alert:
    return Alert(
        mission_id=mission,
        source="calculator",
        seq=seq,
        ts=T0 + seq,
        device=Device.ROCKET,
        rule=AlertRule.LIMIT,
        severity=Severity.RED,
        parameter="dynamic_pressure",
        cleared=False,
        message="q above its red limit",
    )


def new_mission() -> str:
    return f"m-{uuid.uuid4().hex[:10]}"


def test_each_role_does_its_job_through_the_seam(
    influx_server: InfluxAdmin, tmp_path: Path
) -> None:
    """The recorders write (through the durable writer and in one batch), the calculator reads
    windows, the report reads the whole mission: each device from its own database."""
    mission = new_mission()
    stored: list[int] = []
    with (
        connect_store(influx_server.settings_for(TELEMETRY)) as telemetry,
        connect_store(influx_server.settings_for(PAYLOAD)) as payload,
    ):
        telemetry.check_writable(FLIGHT)
        payload.check_writable(PAYLOAD_DB)
        writer = telemetry.batch_writer(tmp_path / "spool")
        writer.start()
        for seq in range(100):
            writer.add(FLIGHT, point_line(sample(Device.ROCKET, mission, seq)), lambda: None)
        writer.add(FLIGHT, alert_line(red_alert(mission, 1)), lambda: stored.append(1))
        assert writer.flush(30)
        assert writer.stop() == 0
        assert stored == [1] and writer.stats.written == 101 and writer.stats.spooled == 0
        payload.write(
            PAYLOAD_DB, [point_line(sample(Device.SATELLITE, mission, s)) for s in range(50)]
        )

    with connect_store(influx_server.settings_for(CALCULATOR)) as calculator:
        window = calculator.window(Device.ROCKET, mission, T0 + 2.0, T0 + 3.0)
        assert [s.fields["seq"] for s in window] == list(range(21, 31))
        assert window[0].time_ns == round((T0 + 2.1) * 1e6) * 1000
        (newest,) = calculator.latest(Device.SATELLITE, mission, now=T0 + 60)
        assert newest.fields["seq"] == 49 and newest.fields["battery"] == pytest.approx(89.51)
        assert calculator.window(Device.BOOSTER, mission, T0, T0 + 60) == []

    with connect_store(influx_server.settings_for(REPORT)) as report:
        rows = report.telemetry(Device.ROCKET, mission)
        assert [r["seq"] for r in rows] == list(range(100))
        assert rows[0]["time"] == round(T0 * 1e6) * 1000 and rows[1]["altitude"] == 2.0
        assert len(report.telemetry(Device.SATELLITE, mission)) == 50
        (alert,) = report.alerts(mission)
        assert (alert["device"], alert["rule"], alert["parameter"], alert["level"]) == (
            "rocket",
            "limit",
            "dynamic_pressure",
            2,
        )
        assert report.alerts(new_mission()) == []


def test_the_set_up_check_says_what_a_login_lacks(influx_server: InfluxAdmin) -> None:
    with connect_store(influx_server.settings_for(TELEMETRY)) as telemetry:
        assert telemetry.ping()
        with pytest.raises(InfluxNotSetUp, match=f"'telemetry' may not write to .*'{PAYLOAD_DB}'"):
            telemetry.check_writable(PAYLOAD_DB)
        with pytest.raises(InfluxNotSetUp, match="has no database 'nowhere'"):
            telemetry.check_writable("nowhere")
    wrong = influx_server.settings_for(TELEMETRY, password="not-the-password")
    with connect_store(wrong) as stranger, pytest.raises(InfluxNotSetUp, match="does not take"):
        stranger.check_writable(FLIGHT)


class Recording(InfluxHttp):
    """The client that notes every statement it sends."""

    def __init__(self, settings: InfluxSettings) -> None:
        super().__init__(settings.url, username=settings.username, password=settings.password)
        self.sent: list[str] = []

    def query(self, query: str, database: str | None = None) -> list[Series]:
        self.sent.append(query)
        return super().query(query, database)


def shape(statement: str) -> str:
    """A statement with its literals (names, strings, numbers) left out."""
    unnamed = re.sub(r'"[^"]*"', '""', statement)
    return re.sub(r"\d+", "0", re.sub(r"'(?:[^'\\]|\\.)*'", "''", unnamed))


def test_the_seam_sends_only_the_shapes_it_lists(influx_server: InfluxAdmin) -> None:
    settings = influx_server.settings_for(REPORT)
    http = Recording(settings)
    mission = "it's-not-a-valid-id"  # quoted all the same
    with InfluxStore(http, settings) as store:
        for device in Device:
            store.window(device, mission, T0, T0 + 4)
            store.latest(device, mission, T0 + 4, 1, 300.0)
            store.telemetry(device, mission)
        store.alerts(mission)
    used = {"window", "latest", "whole mission", "alerts"}
    assert {shape(q) for q in http.sent} == {
        shape(s.example) for s in queries.SHAPES if s.name in used
    }
    assert "mission = 'it\\'s-not-a-valid-id'" in http.sent[0]


def test_reads_go_to_the_replica_writes_to_the_primary(influx_server: InfluxAdmin) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    settings = influx_server.settings_for(REPORT, url=nowhere, read_url=influx_server.url)
    with connect_store(settings) as store:
        assert store.telemetry(Device.ROCKET, new_mission()) == []
        assert not store.ping()
        with pytest.raises(InfluxUnavailable, match=nowhere):
            store.write(FLIGHT, [point_line(sample(Device.ROCKET, "m", 1))])


@pytest.mark.parametrize("kind", [LocalInfluxd, EmbeddedInfluxd], ids=["influxd", "embedded"])
def test_the_durable_writer_spools_through_an_outage_and_replays_it(
    kind: type[LocalInfluxd] | type[EmbeddedInfluxd], tmp_path: Path
) -> None:
    """Every line acknowledged while the store is down (fsynced to the spool), none lost once it
    is back."""
    server = kind(tmp_path / "server")
    server.start()
    mission = new_mission()
    acked: list[int] = []
    store = connect_store(server.settings_for(TELEMETRY))
    writer = store.batch_writer(tmp_path / "spool")
    writer.start()
    try:
        server.stop()
        for seq in range(300):
            line = point_line(sample(Device.ROCKET, mission, seq))
            writer.add(FLIGHT, line, lambda s=seq: acked.append(s))
        assert writer.flush(10), "a spooled line is as good as written"
        assert sorted(acked) == list(range(300))
        assert writer.stats.spooled == 300 and writer.stats.store_ok is False
        server.start()
        wait_for(lambda: writer.stats.replayed == 300, 30, "the spool replayed")
        wait_for(lambda: writer.stats.store_ok, 5, "the store ok again")
    finally:
        writer.stop()
        store.close()
    try:
        with connect_store(server.settings_for(REPORT)) as report:
            rows: list[dict[str, Any]] = report.telemetry(Device.ROCKET, mission)
        assert [r["seq"] for r in rows] == list(range(300))
    finally:
        server.stop()
