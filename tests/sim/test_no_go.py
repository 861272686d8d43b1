"""Missions that never leave the pad, every program a process: a storm holds the launch until
the window closes, then a rocket whose cabin does not hold its pressure is scrubbed at once.
Both in one run, one after the other under the same ground, as the operator would fly them."""

from __future__ import annotations

from pathlib import Path

import pytest

from devservers import LocalInfluxd, LocalMosquitto
from ground.command.store import Entry, MissionStore
from marsy.protocol import Device, EventType, FlightPhase
from marsy.store import connect_store
from marsy_sim.mission import MissionResult, SimOptions, fly

pytestmark = pytest.mark.integration

STORM = [
    "sustained wind 17 m/s above 15 m/s",
    "gusts 26 m/s above 19 m/s",
    "precipitation 8 mm/h above 0 mm/h",
    "lightning 6 km away, closer than 18.5 km",
]
LEAK = "cabin_pressure 65000 Pa below its red limit 70000 Pa on the pad"


def timeline(result: MissionResult) -> list[Entry]:
    """The mission log Command kept, read once the run is over (the result's copy was taken
    the moment the mission ended, maybe before Command wrote down its own last words)."""
    store = MissionStore(result.run / "state" / "command" / "missions.db")
    try:
        return store.timeline(result.mission_id)
    finally:
        store.close()


def polls(result: MissionResult) -> list[tuple[str, bool, list[str]]]:
    return [
        (e.source, e.data["go"], e.data["reasons"])
        for e in timeline(result)
        if e.kind == "go_no_go"
    ]


def said(result: MissionResult, start: str) -> list[Entry]:
    """Command's commentary lines of the mission that begin with ``start``."""
    return [
        e
        for e in timeline(result)
        if e.kind == "webcast" and e.text.startswith(f"command: {start}")
    ]


def go_no_go_events(result: MissionResult) -> list[str]:
    return [e.data["detail"] for e in timeline(result) if e.text == EventType.GO_NO_GO]


def phases_stored(influxd: LocalInfluxd, mission_id: str) -> set[str]:
    """Every phase a vehicle's stored telemetry of the mission was taken in."""
    with connect_store(influxd.settings()) as store:
        return {
            str(row["phase"]) for device in Device for row in store.telemetry(device, mission_id)
        }


def test_a_weather_scrub_then_a_rocket_no_go_never_lift_off(
    tmp_path: Path, servers: tuple[LocalMosquitto, LocalInfluxd]
) -> None:
    broker, influxd = servers
    lines: list[str] = []
    scrub, no_go = fly(
        SimOptions(
            scenarios=("scrub", "rocket-no-go"),
            speed=20,
            run_dir=tmp_path / "runs",
            broker_url=f"mqtt://127.0.0.1:{broker.port}",
            broker_passwords=broker.passwords,
            influx_url=f"http://{influxd.username}:{influxd.password}@127.0.0.1:{influxd.port}",
        ),
        lines.append,
    )
    log = "\n".join(lines[-30:])
    for result in (scrub, no_go):
        assert result.state == "scrubbed", log
        assert EventType.LIFTOFF not in [event for _, event, _ in result.events], log
        assert not [e for e in timeline(result) if e.kind == "decision"], "no launch order"
        assert phases_stored(influxd, result.mission_id) <= {FlightPhase.PAD}, "no flight"
        assert result.report is not None and result.report.is_file()

    # The storm: held, polled on unchanged (said once), scrubbed when the window closed.
    assert polls(scrub) == [("weather", False, STORM)]
    assert go_no_go_events(scrub) == ["weather: no-go: " + "; ".join(STORM)]
    (hold,) = said(scrub, "Hold: the weather is no-go: sustained wind 17 m/s")
    (scrubbed,) = said(scrub, "Launch scrubbed: launch window closed: weather: sustained wind")
    assert all(reason in scrubbed.text for reason in STORM)
    held_for = scrubbed.ts - hold.ts
    assert 110.0 <= held_for <= 135.0, f"held {held_for:.0f} s of the 120 s window"

    # The cabin leak: the weather is go, the rocket is not, and nobody waits for it.
    assert polls(no_go) == [("weather", True, []), ("rocket", False, [LEAK])]
    assert go_no_go_events(no_go) == ["weather: go", f"rocket: no-go: {LEAK}"]
    assert said(no_go, f"Launch scrubbed: rocket: {LEAK}"), timeline(no_go)
    assert not said(no_go, "Hold")
