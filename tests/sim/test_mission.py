"""Whole missions, every program a process: the command timeline tells the story in order.

The simulations live in this one file so that parallel test workers fly one at a time: two at
once on a small machine slow every restart the chaos monkey causes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from devservers import LocalInfluxd, LocalMosquitto
from ground.webcaster.interview import OPENING
from marsy.protocol import Device
from marsy_sim.mission import SimOptions, fly
from marsy_sim.replay import replay
from tests.sim.live_page import LivePage

pytestmark = pytest.mark.integration

LIVE_PAGE = "live page: "


def said(lines: list[str], text: str, start: int = 0) -> int:
    """Where the console first said ``text`` (from line ``start`` on)."""
    for index in range(start, len(lines)):
        if text in lines[index]:
            return index
    raise AssertionError(f"{text!r} never said: {lines[start:][-30:]}")


def first(timeline: list[dict[str, Any]], kind: str, text: str, source: str | None = None) -> int:
    for index, entry in enumerate(timeline):
        if entry["kind"] == kind and text in entry["text"] and source in (None, entry["source"]):
            return index
    raise AssertionError(f"no {kind} {text!r} in the timeline")


class Watching:
    """The console's lines, and the live page watched in Chromium from the moment the console
    gives its address (the webcaster's port is only known once the ground is up)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.page: LivePage | None = None

    def __call__(self, line: str) -> None:
        self.lines.append(line)
        if self.page is None and line.startswith(LIVE_PAGE):
            self.page = LivePage(line.removeprefix(LIVE_PAGE).strip()).start()

    def stop(self) -> None:
        if self.page is not None:
            self.page.stop()


def metres(shown: str) -> float:
    """A shown altitude (``12.3 km``, ``850 m``) in metres."""
    number, unit = shown.split()
    return float(number.replace(",", "")) * (1000.0 if unit == "km" else 1.0)


def console_told_in_order(lines: list[str], first_id: str, aborted_id: str) -> None:
    """The console said where to watch, then each mission under its separator, its end told
    once the bus had brought the events that ended it (Command's status in bus order)."""
    assert any(line.startswith("live page: http://127.0.0.1:") for line in lines), lines[:8]
    opened = said(lines, f"── mission {first_id} (nominal) ──")
    ended = said(lines, f"mission {first_id} complete", opened)
    for told in ("rocket     orbit:", "satellite  payload_detached:", "booster    booster_landed:"):
        assert opened < said(lines, told, opened) < ended, told
    assert said(lines, f"says: {OPENING}", opened) > said(lines, "payload_detached:", opened)
    second = said(lines, f"── mission {aborted_id} (explosion) ──", ended)
    assert said(lines, "webcaster  interview:", opened) < second
    assert said(lines, "rocket     liftoff:", second) < said(
        lines, f"mission {aborted_id} aborted", second
    )


def page_told_the_abort(live: LivePage, first_id: str, aborted_id: str) -> None:
    """The page kept each mission under its separator; during the abort its header said so,
    the capsule's altitude fell, and the commentary told the ejection and both chutes."""
    separators = [s for snapshot in live.snapshots for s in snapshot.separators]
    assert any(first_id in s for s in separators), separators
    assert any(aborted_id in s for s in separators), separators
    aborting = live.first(lambda s: aborted_id in s.mission and s.state == "abort")
    assert aborting is not None, live.states()
    capsule = [metres(v) for v in live.values("capsule altitude")]
    assert len(capsule) >= 3 and capsule[0] > capsule[-1] + 1000, capsule
    said_on_page = live.lines()
    for start in ("Capsule ejected", "Drogue parachutes out", "Main parachutes deployed"):
        assert any(line.startswith(start) for line in said_on_page), (start, said_on_page[-20:])


def test_nominal_then_explosion_in_a_row_on_running_servers(
    tmp_path: Path, servers: tuple[LocalMosquitto, LocalInfluxd]
) -> None:
    """The original design's demo: a nominal mission, then an explosion, each with its own id,
    on a broker and a store the simulation is given (``--broker``/``--influx``)."""
    broker, influxd = servers
    login = f"{influxd.username}:{influxd.password}@127.0.0.1:{influxd.port}"
    lines: list[str] = []
    watching = Watching(lines)
    try:
        nominal, explosion = fly(
            SimOptions(
                scenarios=("nominal", "explosion"),
                speed=20,
                run_dir=tmp_path / "runs",
                broker_url=f"mqtt://127.0.0.1:{broker.port}",
                broker_passwords=broker.passwords,
                influx_url=f"http://{login}",
            ),
            watching,
        )
    finally:
        watching.stop()
    run = nominal.run
    assert not (run / "mosquitto").exists() and not (run / "influxd").exists()
    assert any("not started here" in line and "broker" in line for line in lines), lines[:5]
    assert nominal.mission_id != explosion.mission_id

    assert nominal.state == "complete", "\n".join(lines[-30:])
    tl = nominal.timeline
    order = [
        first(tl, "go_no_go", "weather go"),
        first(tl, "go_no_go", "rocket go"),
        first(tl, "decision", "launch: go"),
        first(tl, "event", "max_q"),
        first(tl, "ack", "separate acked"),
        first(tl, "event", "orbit"),
        first(tl, "ack", "detach acked"),
    ]
    assert order == sorted(order), order
    # the interview starts once the payload is away (the satellite may say so before the ack)
    assert first(tl, "webcast", OPENING, "webcaster") > first(tl, "event", "payload_detached")
    assert nominal.interview, "the astronaut was interviewed"
    for entry in nominal.ledger:
        assert entry["missing"] == 0, entry
    assert {e["source"] for e in nominal.ledger} >= {"rocket", "booster", "suit", "satellite"}
    assert all(len(nominal.tallies[d].seqs) > 0 for d in Device)

    assert explosion.state == "aborted", "\n".join(lines[-30:])
    tl = explosion.timeline
    assert first(tl, "event", "abort") < first(tl, "event", "ejection")
    first(tl, "decision", "abort: go")
    first(tl, "event", "self_destruct")
    first(tl, "event", "capsule_landed")
    suit = next(e for e in explosion.ledger if e["source"] == "suit")
    assert suit["missing"] == 0 and suit["received"] > 0
    assert explosion.report is not None
    assert (explosion.report.parent / "crew_descent.png").exists()
    assert (explosion.report.parent / "crew.png").exists()
    # the second vehicle's telemetry is its own: no point of the first mission under its id
    assert not any(e["mission_id"] == nominal.mission_id for e in explosion.ledger)

    console_told_in_order(lines, nominal.mission_id, explosion.mission_id)

    # the live page, in Chromium all along: the explosion told as it happened
    assert watching.page is not None, "the console never gave the live page's address"
    page_told_the_abort(watching.page, nominal.mission_id, explosion.mission_id)

    # Command is asked to start a mission, never polled for it: a short log
    command_log = (run / "logs" / "command.log").read_text().splitlines()
    assert len(command_log) < 200, command_log[-20:]

    # replayed through the bus, the calculator finds the rocket's red alerts again; live there
    # was no loss of signal: the rocket reported its own end, it never fell silent
    again = replay(
        explosion.mission_id, run, speed=50, say=lines.append, influx_url=f"http://{login}"
    )
    assert again.published > 1000
    red = {key for key in again.live if key[0] == "rocket" and key[3] == "red"}
    assert red, again.live
    assert all(again.replayed[key] >= 1 for key in red), (again.live, again.replayed)
    assert not any(key[1] == "loss_of_signal" for key in again.live), again.live


def test_chaos_mission_completes_without_losing_a_point(tmp_path: Path) -> None:
    """Seed 8 kills the suit agent twice, restarts the broker near Max-Q, kills staging just
    before separation and the ingest near orbit."""
    lines: list[str] = []
    result = fly(SimOptions(speed=20, run_dir=tmp_path, chaos_seed=8), lines.append)[0]
    assert result.state == "complete", "\n".join(lines[-30:])
    assert len(result.chaos) == 5
    assert all("recovered in" in line for line in result.chaos), result.chaos
    for entry in result.ledger:
        assert entry["missing"] == 0, entry
    assert result.report is not None
    page = result.report.read_text()
    assert "Injected faults" in page and "broker" in page
    assert all(result.tallies[d].gaps() == 0 for d in Device)


# --- where Mosquitto and influxd are not installed -----------------------------------------


def marsy(args: list[str], path: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "marsy_cli", *args],
        env={**os.environ, "PATH": path},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_with_the_servers_hidden_from_path_the_sim_flies_on_the_embedded_ones(
    tmp_path: Path,
) -> None:
    path = str(Path(sys.executable).parent)  # the project's own programs, and nothing else
    assert shutil.which("mosquitto", path=path) is None
    assert shutil.which("influxd", path=path) is None
    runs = tmp_path / "runs"

    # with the chaos monkey: seed 8 restarts the (embedded) broker near Max-Q
    args = ["sim", "--plain", "--speed", "20", "--chaos", "--chaos-seed", "8"]
    flown = marsy([*args, "--run-dir", str(runs)], path, 300)
    out = flown.stdout
    assert flown.returncode == 0, out[-4000:]
    chaos = re.findall(r"chaos: \+\d+ s (\S+): (recovered in|not recovered)", out)
    assert ("broker", "recovered in") in chaos, out[-4000:]
    assert all(outcome == "recovered in" for _, outcome in chaos), chaos
    assert "embedded MQTT 5 broker" in out and "mosquitto is not installed" in out, out[:2000]
    assert "embedded time-series store" in out and "influxd is not installed" in out
    mission = re.search(r"mission (\S+) \(nominal\): complete", out)
    assert mission is not None, out[-4000:]
    ledger = re.findall(r"ledger (\w+)\s+(\d+) points stored, (\d+) missing", out)
    assert {source for source, _, _ in ledger} == {"rocket", "booster", "suit", "satellite"}
    assert all(int(stored) > 0 and missing == "0" for _, stored, missing in ledger), ledger
    (run,) = runs.iterdir()
    assert not (run / "mosquitto").exists() and not (run / "influxd").exists()

    # the report of that mission is rebuilt later from the embedded store it was kept in
    again = tmp_path / "again"
    rebuilt = marsy(
        ["report", mission.group(1), "--runs", str(runs), "--out", str(again)], path, 120
    )
    assert rebuilt.returncode == 0, rebuilt.stdout
    page = (again / "index.html").read_text()
    assert mission.group(1) in page
    assert (again / "altitude.png").stat().st_size > 10_000
