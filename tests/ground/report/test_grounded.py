"""A mission scrubbed on the pad gets a report that says it never flew and why, from its
go/no-go answers, instead of empty plots."""

from __future__ import annotations

import json
from pathlib import Path

from ground.command.store import Entry, Mission
from ground.report.build import write_report
from ground.report.data import MissionData, Series
from ground.report.grounded import grounded
from marsy.protocol import Device, FlightPhase, MissionState

STARTED = 1_900_000_000.0
WIND = "wind 18.0 m/s above the 15.0 m/s limit"
GUSTS = "gusts 25.0 m/s above the 20.0 m/s limit"


def scrubbed() -> MissionData:
    mission = Mission(
        "M1-scrub",
        "nominal",
        MissionState.SCRUBBED,
        FlightPhase.PAD,
        STARTED,
        STARTED + 3,
        f"weather: {WIND}; weather: {GUSTS}",
    )
    timeline = [
        Entry(
            STARTED + 1,
            "go_no_go",
            "weather",
            "weather no-go",
            {"go": False, "reasons": [WIND, GUSTS]},
        ),
        Entry(STARTED + 1, "event", "command", "go_no_go", {"detail": "weather: no-go"}),
        Entry(STARTED + 2, "webcast", "command", "Launch scrubbed", {}),
    ]
    return MissionData(mission, STARTED, {device: Series() for device in Device}, timeline, [])


def test_the_reasons_come_from_the_go_no_go_answers() -> None:
    data = scrubbed()
    verdict = grounded(data.mission, data.timeline)
    assert verdict is not None
    assert verdict.headline == "This mission never flew: it was scrubbed on the pad."
    assert verdict.reasons == [f"weather: {WIND}", f"weather: {GUSTS}"]
    assert verdict.answers == (("weather", False, (WIND, GUSTS)),)


def test_a_refused_launch_is_a_reason_too() -> None:
    data = scrubbed()
    timeline = [
        Entry(STARTED + 1, "go_no_go", "weather", "weather go", {"go": True, "reasons": []}),
        Entry(STARTED + 1, "go_no_go", "rocket", "rocket go", {"go": True, "reasons": []}),
        Entry(
            STARTED + 2,
            "decision",
            "command",
            "launch: refused",
            {"what": "launch", "go": False, "detail": "launchpad unreachable"},
        ),
    ]
    verdict = grounded(data.mission, timeline)
    assert verdict is not None
    assert verdict.reasons == ["launch: launchpad unreachable"]


def test_a_mission_that_lifted_off_flew() -> None:
    data = scrubbed()
    flying = Mission("M2", "nominal", MissionState.FLYING, FlightPhase.ASCENT, STARTED, None, "")
    assert grounded(flying, []) is None
    lifted = [Entry(STARTED + 5, "event", "rocket", "liftoff", {})]
    assert grounded(data.mission, lifted) is None
    pad_abort = Mission(
        "M3", "explosion", MissionState.ABORTED, FlightPhase.ABORT, STARTED, STARTED + 9, ""
    )
    assert grounded(pad_abort, []) is None, "a pad abort flew: the crew ejected"


def test_the_report_of_a_scrubbed_mission_says_it_never_flew(tmp_path: Path) -> None:
    index = write_report(scrubbed(), tmp_path / "report", grafana_url="http://grafana.test")

    page = index.read_text()
    assert "This mission never flew: it was scrubbed on the pad." in page
    assert f"<li>weather: {WIND}</li>" in page and f"<li>weather: {GUSTS}</li>" in page
    assert "no plots: the mission never flew" in page
    assert "no telemetry stored" in page
    assert 'href="http://grafana.test/d/marsy-flight?var-mission=M1-scrub&amp;from=' in page
    assert not list((tmp_path / "report").glob("*.png"))
    record = json.loads((tmp_path / "report" / "csv" / "mission.json").read_text())
    assert record["mission"]["flew"] is False
    assert record["mission"]["state"] == "scrubbed"
    assert record["no_go_reasons"] == [f"weather: {WIND}", f"weather: {GUSTS}"]
    assert [e["kind"] for e in record["events"]] == ["go_no_go", "event"]
    assert record["files"] == {}
    assert not list((tmp_path / "report" / "csv").glob("*.csv"))
