"""The failure scenario, unchanged by everything that makes the ground harder to fool: the
rocket's own abort ejects the crew and terminates the flight, and the crew lands."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.flight import abort_decided, fly_through

pytestmark = [pytest.mark.faults, pytest.mark.integration]


def test_an_explosion_still_aborts_ejects_and_terminates(tmp_path: Path) -> None:
    flight = fly_through(tmp_path, scenario="explosion")
    story = flight.story()
    assert flight.result.state == "aborted", story
    assert abort_decided(flight), story
    assert flight.first("event", "abort", "rocket") < flight.first("event", "ejection", "suit")
    flight.first("event", "self_destruct")
    flight.first("event", "capsule_landed", "suit")
    suit = next(e for e in flight.result.ledger if e["source"] == "suit")
    assert suit["missing"] == 0 and suit["received"] > 0, suit
