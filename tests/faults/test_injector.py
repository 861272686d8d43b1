"""The fault runner's bookkeeping, without servers: every kind has a handler in its family, a
fault that cannot be caused says why, an outage is undone when the mission ends first."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import cast

from marsy.clock import MissionClock
from marsy_sim.attacks import ATTACK_HANDLERS
from marsy_sim.children import Supervisor
from marsy_sim.fault_scene import FaultRecord, FaultScene, Hands
from marsy_sim.faults import ATTACKS, OUTAGES, FaultKind, ScriptedFault
from marsy_sim.injector import HANDLERS, FaultRunner
from marsy_sim.outages import OUTAGE_HANDLERS
from marsy_sim.servers import Broker


def _hands(tmp_path: Path) -> Hands:
    # no servers of our own, no relay: the faults that need them must say so
    return Hands(Supervisor(tmp_path / "logs"), None, None, None, cast(Broker, None), lambda n: n)


def test_every_kind_of_fault_has_a_handler_in_its_family() -> None:
    assert set(HANDLERS) == set(FaultKind)
    assert set(OUTAGE_HANDLERS) == OUTAGES
    assert set(ATTACK_HANDLERS) | {FaultKind.FLOOD} == ATTACKS


def test_a_fault_that_cannot_be_caused_is_recorded_as_failed(tmp_path: Path) -> None:
    said: list[str] = []
    faults = (
        ScriptedFault(FaultKind.LINK_CUT, 0.0, 10.0),
        ScriptedFault(FaultKind.BROKER_KILL, 0.0, 10.0),
    )
    runner = FaultRunner(faults, _hands(tmp_path), MissionClock(), said.append)
    runner.begin("m-1", began=time.monotonic())  # both due at once
    runner.settle(timeout=5.0)
    link, broker = runner.records
    assert link.notes == ["failed: the clients do not reach the broker through a relay"]
    assert broker.notes == ["failed: no broker of this simulation's own to act on"]
    assert link.started is not None and link.ended is not None
    assert sorted(said) == ["fault broker-kill over at +0 s", "fault link-cut over at +0 s"]
    assert runner.summary()[0].startswith("+0 s link-cut for 10 s: failed")


def test_an_outage_is_undone_when_the_mission_ends_first(tmp_path: Path) -> None:
    scene = FaultScene(_hands(tmp_path), MissionClock(), lambda line: None)
    record = FaultRecord(ScriptedFault(FaultKind.AGENT_FREEZE, 0.0, 3600.0))
    threading.Timer(0.2, scene.ending.set).start()
    scene.outage(record, lambda: "caused", lambda: "undone")
    assert record.notes == ["caused", "undone early: the mission was over", "undone"]


def test_a_fault_not_yet_due_is_never_caused_once_the_mission_is_over(tmp_path: Path) -> None:
    runner = FaultRunner(
        (ScriptedFault(FaultKind.BROKER_KILL, 3600.0, 10.0),),
        _hands(tmp_path),
        MissionClock(),
        lambda line: None,
    )
    runner.begin("m-1", began=time.monotonic())
    runner.settle(timeout=5.0)
    (record,) = runner.records
    assert record.started is None
    assert str(record) == "+3600 s broker-kill for 10 s: not caused, the mission was over first"
