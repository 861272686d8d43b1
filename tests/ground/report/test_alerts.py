"""The report's alerts section: ground faults told apart from vehicle alerts, and counted as faults.

The pure part counts stored rows; the report itself is built from alerts stored in a real
influxd the way the ingest stores them, and a mission log on disk.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest

from ground.command.store import Entry, Mission, MissionStore
from ground.report.alerts import AlertRow, alert_rows, summarize
from ground.report.build import write_report
from ground.report.data import load
from marsy.protocol import Alert, AlertRule, Device, FlightPhase, MissionState, Severity
from marsy.settings import InfluxSettings
from marsy.store import InfluxHttp, InfluxStore
from marsy.store.schema import alert_line

MISSION = "m-alerts"
LIFTOFF = 1000.0
_seq = itertools.count(1)


def alert(
    at: float,
    rule: AlertRule,
    device: Device,
    parameter: str | None,
    message: str,
    *,
    severity: Severity = Severity.RED,
    cleared: bool = False,
) -> Alert:
    return Alert(
        mission_id=MISSION,
        source="calculator",
        seq=next(_seq),
        ts=LIFTOFF + at,
        device=device,
        rule=rule,
        severity=severity,
        parameter=parameter,
        cleared=cleared,
        message=message,
    )


BROKER = "broker unreachable for 20 s"
STORE = "ground data stale 20 s: store"
FLIGHT = [
    # The store goes stale for every device at once: one ground fault.
    *(alert(10, AlertRule.GROUND, d, "store", STORE, severity=Severity.YELLOW) for d in Device),
    alert(12, AlertRule.LIMIT, Device.ROCKET, "dynamic_pressure", "q <above> the red limit"),
    *(alert(30, AlertRule.GROUND, d, "store", STORE, cleared=True) for d in Device),
    alert(31, AlertRule.GROUND, Device.ROCKET, "broker", BROKER, severity=Severity.YELLOW),
    alert(33, AlertRule.GROUND, Device.ROCKET, "broker", BROKER),  # worse: the same fault
    alert(40, AlertRule.GROUND, Device.ROCKET, "broker", BROKER, cleared=True),
    alert(41, AlertRule.LOSS_OF_SIGNAL, Device.BOOSTER, None, "no data from the booster for 6 s"),
    alert(42, AlertRule.VITALS, Device.SUIT, "heart_rate", "heart rate 190 /min"),
]


def stored(message: Alert) -> dict[str, Any]:
    """The row InfluxDB answers for an alert written with the ingest's line."""
    return {
        "time": int(message.ts * 1e9),
        "device": str(message.device),
        "rule": str(message.rule),
        "parameter": message.parameter or "none",
        "level": 0 if message.cleared else message.severity.rank,
        "message": message.message,
    }


def test_ground_faults_are_counted_once_per_fault_apart_from_vehicle_alerts() -> None:
    rows = alert_rows([stored(a) for a in reversed(FLIGHT)], LIFTOFF)
    assert [r.t for r in rows] == sorted(r.t for r in rows)
    assert {r.kind for r in rows if r.rule == "ground"} == {"ground"}
    assert {r.kind for r in rows if r.rule != "ground"} == {"vehicle"}
    summary = summarize(rows)
    assert summary.line() == "ground faults: 2 (broker 1, store 1), vehicle alerts: 3"


def test_a_ground_part_raised_again_after_its_all_clear_is_a_second_fault() -> None:
    def row(t: float, level: str, device: str = "rocket") -> AlertRow:
        return AlertRow(t, "ground", device, "ground", "ingest", level, "")

    rows = [row(1, "yellow"), row(2, "yellow", "suit"), row(3, "cleared"), row(4, "red")]
    assert summarize(rows).line() == "ground faults: 1 (ingest 1), vehicle alerts: 0"
    rows += [row(5, "cleared"), row(6, "cleared", "suit"), row(7, "yellow")]
    assert summarize(rows).line() == "ground faults: 2 (ingest 2), vehicle alerts: 0"
    assert summarize([]).line() == "ground faults: 0, vehicle alerts: 0"


@pytest.mark.integration
def test_the_report_marks_each_alert_ground_or_vehicle(
    tmp_path: Path, influx_http: InfluxHttp, database: str
) -> None:
    influx_http.write(database, "\n".join(alert_line(a) for a in FLIGHT).encode())
    store = MissionStore(tmp_path / "missions.db")
    store.create(
        Mission(MISSION, "nominal", MissionState.COMPLETE, FlightPhase.ORBIT, 990.0, 1100.0, "")
    )
    store.record(MISSION, Entry(LIFTOFF, "event", "rocket", "liftoff", {}))
    store.close()
    settings = InfluxSettings(flight_db=database, payload_db=database)

    data = load(MISSION, tmp_path / "missions.db", InfluxStore(influx_http, settings))
    page = write_report(data, tmp_path / "report").read_text()

    section = page.split("<h2>Alerts</h2>", 1)[1].split("<h2>", 1)[0]
    assert section.startswith(
        '<p class="alert-summary">ground faults: 2 (broker 1, store 1), vehicle alerts: 3</p>'
    )
    header = re.findall(r"<th>(.*?)</th>", section)
    assert header[:3] == ["time", "ground / vehicle", "part or device"]
    rows = re.findall(r"<tr class=.*?</tr>", section)
    cells = [re.findall(r"<td>(.*?)</td>", row) for row in rows]
    assert len(cells) == len(FLIGHT)
    by_message = {(row[5], row[4]): row for row in cells}
    assert by_message[(BROKER, "red")][1:3] == ["ground", "broker"]
    assert by_message[(STORE, "yellow")][:3] == ["T+10.0 s", "ground", "store"]
    assert by_message[("no data from the booster for 6 s", "red")][1:3] == ["vehicle", "booster"]
    assert by_message[("q &lt;above&gt; the red limit", "red")][1:3] == [
        "vehicle",
        "rocket dynamic_pressure",
    ]
