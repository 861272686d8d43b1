"""Flying a mission through a fault plan, and reading what Command and the recorders made of it.

A mission flown through faults is judged by its outcome, not only by its ledger: the state,
Command's decisions and orders, the order of the milestones, and what each fault was named as
(a ground alert, a hold, a refusal).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ground.webcaster.interview import OPENING
from marsy_sim.faults import parse_fault
from marsy_sim.injector import FaultRecord
from marsy_sim.mission import MissionResult, SimOptions, fly

SPEED = 10.0
DESTRUCTIVE_EVENTS = ("self_destruct", "ejection", "explosion")
WINDOW_BEFORE = 15.0
"""Mission seconds an alert may be stamped before its fault began: the calculator stamps the
instant it evaluated, which trails the clock by one wall second (10 s at speed 10)."""
WINDOW_AFTER = 60.0
"""Mission seconds after a fault ended in which what it caused may still be reported."""

Entry = dict[str, Any]


@dataclass
class Flight:
    result: MissionResult
    lines: list[str]

    @property
    def timeline(self) -> list[Entry]:
        return self.result.timeline

    def t(self, ts: float) -> str:
        """A mission timestamp as T+seconds after lift-off (as the console writes it)."""
        liftoff = next((e["ts"] for e in self.entries("event", "liftoff")), None)
        return f"T{ts - liftoff:+.0f} s" if liftoff is not None else f"{ts:.0f}"

    def story(self, last: int = 60) -> str:
        """What to print when an assertion fails: the faults and the end of the console."""
        faults = [f"fault: {record}" for record in self.result.faults]
        return "\n".join([*faults, f"run: {self.result.run}", *self.lines[-last:]])

    def entries(self, kind: str, text: str = "", source: str | None = None) -> list[Entry]:
        return [e for e in self.timeline if _fits(e, kind, text, source)]

    def first(self, kind: str, text: str, source: str | None = None) -> int:
        for index, entry in enumerate(self.timeline):
            if _fits(entry, kind, text, source):
                return index
        raise AssertionError(f"no {kind} {text!r} in the timeline\n{self.story()}")

    def fault(self, name: str) -> FaultRecord:
        (record,) = [r for r in self.result.faults if r.fault.name == name]
        assert record.started is not None and record.ended is not None, self.story()
        return record

    def alerts(self, rule: str) -> list[dict[str, Any]]:
        """The alerts of ``rule`` Command recorded (raised, not cleared), as sent."""
        return [
            e["data"]
            for e in self.entries("alert")
            if e["data"].get("rule") == rule and not e["data"].get("cleared")
        ]


@dataclass
class Rows:
    """The verdict on each row one mission flies through: every row is judged, and the ones
    that failed are reported together (one failure must not hide how the others fared)."""

    flight: Flight
    failed: dict[str, str] = field(default_factory=dict)

    def check(self, row: str, judge: Callable[[], object]) -> None:
        try:
            judge()
        except AssertionError as exc:
            self.failed[row] = str(exc).split("\n", 1)[0][:400]

    def assert_all(self) -> None:
        verdicts = "\n".join(f"  {row}: {why}" for row, why in self.failed.items())
        assert not self.failed, f"rows failed:\n{verdicts}\n{self.flight.story()}"


def _fits(entry: Entry, kind: str, text: str, source: str | None) -> bool:
    return entry["kind"] == kind and text in entry["text"] and source in (None, entry["source"])


def fly_through(run_dir: Path, *specs: str, scenario: str = "nominal") -> Flight:
    lines: list[str] = []
    (result,) = fly(
        SimOptions(
            scenarios=(scenario,),
            speed=SPEED,
            run_dir=run_dir,
            faults=tuple(parse_fault(spec) for spec in specs),
        ),
        lines.append,
    )
    return Flight(result, lines)


def during(record: FaultRecord, ts: float, after: float = WINDOW_AFTER) -> bool:
    assert record.started is not None and record.ended is not None
    return record.started - WINDOW_BEFORE <= ts <= record.ended + after


def abort_decided(flight: Flight) -> list[Entry]:
    return [
        e
        for e in flight.entries("decision")
        if e["text"].startswith("abort: go")
        or (e["data"].get("what") == "abort" and e["data"].get("go"))
    ]


def assert_flew_nominally(flight: Flight) -> None:
    """Complete, nothing destroyed nor ejected, every milestone in its order, the interview
    after the payload left."""
    story = flight.story()
    state = flight.result.state
    assert state == "complete", f"the mission is {state}, not complete\n{story}"
    aborts = [e["text"] for e in abort_decided(flight)]
    assert not aborts, f"abort decided: {aborts}\n{story}"
    for kind in ("order", "command"):
        for action in ("destruct", "eject"):
            sent = [e["text"] for e in flight.entries(kind, action)]
            assert not sent, f"{kind}: {sent}\n{story}"
    for event in DESTRUCTIVE_EVENTS:
        seen = [e["source"] for e in flight.entries("event", event)]
        assert not seen, f"{event} reported by {seen}\n{story}"
    order = [
        flight.first("event", "liftoff", "rocket"),
        flight.first("event", "stage_separation", "rocket"),
        flight.first("event", "orbit", "rocket"),
        flight.first("ack", "detach acked", "rocket"),
        flight.first("event", "mission_complete", "command"),
    ]
    assert order == sorted(order), (
        f"liftoff, separation, orbit, detach ack, completion out of order: {order}\n{story}"
    )
    assert flight.result.interview, f"no interview\n{story}"
    interviewed = flight.first("webcast", OPENING, "webcaster")
    assert interviewed > order[2], f"the interview began before orbit\n{story}"


def assert_ledgers_whole(flight: Flight) -> None:
    """Every device's telemetry stored without a hole, and nothing numbered past what the
    device itself sent (a forged jump is refused, not noted)."""
    ledger = flight.result.ledger
    sources = {e["source"] for e in ledger}
    assert sources >= {"rocket", "booster", "suit", "satellite"}, f"ledgers only of {sources}"
    for entry in ledger:
        assert entry["missing"] == 0, f"{entry}\n{flight.story()}"
        assert entry["last"] < 10**9, f"{entry}\n{flight.story()}"


def assert_no_loss_of_signal(flight: Flight, but: FaultRecord | None = None) -> None:
    """No device was called silent, except the one whose agent ``but`` stopped (a freeze, or
    the satellite's computer flooding), while it was stopped."""
    for alert in flight.alerts("loss_of_signal"):
        allowed = (
            but is not None
            and but.fault.stops is not None
            and alert["device"] == but.fault.stops
            and during(but, alert["ts"])
        )
        when = flight.t(alert["ts"])
        what = f"{alert['severity']} loss of signal of the {alert['device']} at {when}"
        assert allowed, f"{what}: {alert['message']}\n{flight.story()}"


def assert_noted(flight: Flight, name: str, text: str) -> None:
    """The fault ``name`` happened, and its record says ``text``."""
    record = flight.fault(name)
    assert text in str(record), f"{record}: no {text!r}"


def assert_not_noted(flight: Flight, name: str, text: str) -> None:
    record = flight.fault(name)
    assert text not in str(record), str(record)


def assert_named_ground(flight: Flight, record: FaultRecord, parts: set[str]) -> None:
    """The calculator called the fault a ground alert about one of ``parts`` while it lasted
    (an alert raised after it ended may be the next fault's)."""
    named = [
        a
        for a in flight.alerts("ground")
        if during(record, a["ts"], after=WINDOW_BEFORE) and a["parameter"] in parts
    ]
    assert named, f"no ground alert on {parts} for {record}\n{flight.story()}"
