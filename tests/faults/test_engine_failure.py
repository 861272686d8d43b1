"""A failure the vehicle itself reports, unchanged by everything that makes the ground harder
to fool: the first stage loses its thrust, the rocket's own abort ejects the crew (the suit
acts on it without the ground), Command terminates the flight by FR-1, and the crew lands.
(The explosion scenario is flown by ``tests/sim/test_mission.py``.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.flight import abort_decided, fly_through

pytestmark = [pytest.mark.faults, pytest.mark.integration]


def test_an_engine_failure_aborts_ejects_and_terminates(tmp_path: Path) -> None:
    flight = fly_through(tmp_path, scenario="engine-failure")
    story = flight.story()
    assert flight.result.state == "aborted", story
    (decision,) = abort_decided(flight)
    assert "FR-1" in decision["text"] or "FR-1" in str(decision["data"]), decision
    flight.first("event", "engine_failure", "rocket")
    assert flight.first("event", "abort", "rocket") < flight.first("event", "ejection", "suit")
    flight.first("event", "self_destruct", "rocket")
    flight.first("event", "capsule_landed", "suit")
    assert flight.result.interview, story
    for entry in flight.result.ledger:
        assert entry["missing"] == 0, entry
