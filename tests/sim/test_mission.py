"""Whole missions, every program a process: the command timeline tells the story in order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from marsy.protocol import Device
from marsy.sim.mission import SimOptions, fly
from marsy.sim.replay import replay

pytestmark = pytest.mark.integration


def first(timeline: list[dict[str, Any]], kind: str, text: str, source: str | None = None) -> int:
    for index, entry in enumerate(timeline):
        if entry["kind"] == kind and text in entry["text"] and source in (None, entry["source"]):
            return index
    raise AssertionError(f"no {kind} {text!r} in the timeline")


def test_nominal_mission_timeline(tmp_path: Path) -> None:
    lines: list[str] = []
    result = fly(SimOptions(scenario="nominal", speed=20, run_dir=tmp_path), lines.append)
    assert result.state == "complete", "\n".join(lines[-30:])
    tl = result.timeline
    order = [
        first(tl, "go_no_go", "weather go"),
        first(tl, "go_no_go", "rocket go"),
        first(tl, "decision", "launch: go"),
        first(tl, "event", "max_q"),
        first(tl, "ack", "separate acked"),
        first(tl, "event", "orbit"),
        first(tl, "ack", "detach acked"),
        first(tl, "webcast", "", "webcaster"),
    ]
    assert order == sorted(order), order
    assert result.interview, "the astronaut was interviewed"
    for entry in result.ledger:
        assert entry["missing"] == 0, entry
    assert {e["source"] for e in result.ledger} >= {"rocket", "booster", "suit", "satellite"}
    assert all(len(result.tallies[d].seqs) > 0 for d in Device)


def test_explosion_mission_aborts_and_saves_the_crew(tmp_path: Path) -> None:
    lines: list[str] = []
    result = fly(SimOptions(scenario="explosion", speed=20, run_dir=tmp_path), lines.append)
    assert result.state == "aborted", "\n".join(lines[-30:])
    tl = result.timeline
    assert first(tl, "event", "abort") < first(tl, "event", "ejection")
    first(tl, "decision", "abort: go")
    first(tl, "event", "self_destruct")
    first(tl, "event", "capsule_landed")
    suit = next(e for e in result.ledger if e["source"] == "suit")
    assert suit["missing"] == 0 and suit["received"] > 0
    assert result.report is not None
    assert (result.report.parent / "crew_descent.png").exists()
    assert (result.report.parent / "crew.png").exists()

    # replayed through the bus, the calculator sees the loss of the rocket again
    again = replay(result.mission_id, result.run, speed=50, say=lines.append)
    lost = ("rocket", "loss_of_signal", "none", "red")
    assert again.published > 1000
    assert again.live[lost] == 1, again.live
    assert again.replayed[lost] == 1, again.replayed


def test_chaos_mission_completes_without_losing_a_point(tmp_path: Path) -> None:
    """Seed 8 kills the suit agent twice, restarts the broker near Max-Q, kills staging just
    before separation and the ingest near orbit."""
    lines: list[str] = []
    result = fly(
        SimOptions(scenario="nominal", speed=20, run_dir=tmp_path, chaos_seed=8), lines.append
    )
    assert result.state == "complete", "\n".join(lines[-30:])
    assert len(result.chaos) == 5
    assert all("recovered in" in line for line in result.chaos), result.chaos
    for entry in result.ledger:
        assert entry["missing"] == 0, entry
    assert result.report is not None
    page = result.report.read_text()
    assert "Injected faults" in page and "broker" in page
    assert all(result.tallies[d].gaps() == 0 for d in Device)
