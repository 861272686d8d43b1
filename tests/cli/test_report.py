"""``marsy report`` on a run that still flies reads through the run's own store: it never starts
a second server on the live one's files, nor rewrites its configuration or its log.

The run is made by the simulation's own server starter (a private influxd and broker), its
mission log and one stored alert written the way the ground writes them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from devservers import LocalInfluxd
from devservers.influx_admin import ping
from ground.command.store import Entry, Mission, MissionStore
from marsy.protocol import Alert, AlertRule, Device, FlightPhase, MissionState, Severity
from marsy.settings import InfluxSettings
from marsy.store import InfluxHttp
from marsy.store.schema import alert_line
from marsy_sim.servers import open_servers

MARSY = str(Path(sys.executable).parent / "marsy")
MISSION = "m-live"
LIFTOFF = 1000.0
MESSAGE = "q above the red limit, stored while the run flies"

pytestmark = pytest.mark.integration


@pytest.fixture
def live_run(tmp_path: Path) -> Iterator[tuple[Path, LocalInfluxd]]:
    """A run whose servers still run (its store a private influxd), with one mission and one
    alert stored."""
    run = tmp_path / "run"
    run.mkdir()
    with open_servers(run) as servers:
        influxd = servers.restartable_store
        assert isinstance(influxd, LocalInfluxd), "the run's store is the simulation's influxd"
        login = influxd.settings()  # the admin's: it sets the test's databases up
        http = InfluxHttp(login.url, username=login.username, password=login.password)
        defaults = InfluxSettings()
        for database in (defaults.flight_db, defaults.payload_db):
            http.create_database(database)
        alert = Alert(
            mission_id=MISSION,
            source="calculator",
            seq=1,
            ts=LIFTOFF + 12,
            device=Device.ROCKET,
            rule=AlertRule.LIMIT,
            severity=Severity.RED,
            parameter="dynamic_pressure",
            cleared=False,
            message=MESSAGE,
        )
        http.write(defaults.flight_db, alert_line(alert).encode())
        http.close()
        store = MissionStore(run / "state" / "command" / "missions.db")
        store.create(
            Mission(MISSION, "nominal", MissionState.COMPLETE, FlightPhase.ORBIT, 990.0, None, "")
        )
        store.record(MISSION, Entry(LIFTOFF, "event", "rocket", "liftoff", {}))
        store.close()
        yield run, influxd


def report(run: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MARSY, "report", MISSION, "--run", str(run)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def files_of(run: Path) -> dict[str, bytes]:
    """What a second server on the store's folder would have rewritten."""
    folder = run / "influxd"
    return {name: (folder / name).read_bytes() for name in ("influxdb.conf", "influxd.log")}


def test_report_on_a_live_run_reads_through_its_store(
    live_run: tuple[Path, LocalInfluxd],
) -> None:
    run, store = live_run
    port, pid = store.port, store.process.pid
    before = files_of(run)

    result = report(run)

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    page = (run / "report" / MISSION / "index.html").read_text()
    assert MESSAGE in page, "the alert stored in the live store is in the report"
    assert files_of(run) == before, "the live store's configuration and log are untouched"
    assert store.process.running() and store.process.pid == pid
    assert ping(port), "the live store still answers"


def test_report_refuses_a_live_store_that_does_not_answer(
    live_run: tuple[Path, LocalInfluxd],
) -> None:
    run, store = live_run
    assert store.process.pid is not None
    before = files_of(run)
    os.kill(store.process.pid, signal.SIGSTOP)
    try:
        result = report(run)
    finally:
        os.kill(store.process.pid, signal.SIGCONT)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: the store of run ")
    assert "does not answer" in line
    assert files_of(run) == before
    assert not (run / "report").exists()
    assert ping(store.port)


def test_report_after_the_run_starts_the_store_on_its_files(
    live_run: tuple[Path, LocalInfluxd],
) -> None:
    run, store = live_run
    store.stop()

    result = report(run)

    assert result.returncode == 0, result.stderr
    assert MESSAGE in (run / "report" / MISSION / "index.html").read_text()


def test_export_writes_the_mission_beside_its_csv(
    live_run: tuple[Path, LocalInfluxd], tmp_path: Path
) -> None:
    run, _ = live_run
    out = tmp_path / "export"

    result = subprocess.run(
        [MARSY, "export", MISSION, "--run", str(run), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    record = json.loads((out / "mission.json").read_text())
    assert record["mission"]["id"] == MISSION and record["mission"]["flew"] is True
    assert [event["text"] for event in record["events"]] == ["liftoff"]
    (alert,) = record["alerts"]
    assert alert["message"] == MESSAGE and alert["t_after_liftoff_s"] == 12.0
