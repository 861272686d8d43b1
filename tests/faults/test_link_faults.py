"""A nominal mission through a cut link and a frozen rocket agent. Every client reaches the
broker through the relay; the cut holds the connections open and drops nothing, as a firewall
dropping packets would. The cut is a ground fault; the frozen agent is the vehicle's silence,
at most a hold, never a reason to destroy it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.flight import (
    Rows,
    assert_flew_nominally,
    assert_ledgers_whole,
    assert_named_ground,
    assert_no_loss_of_signal,
    assert_noted,
    fly_through,
)

pytestmark = [pytest.mark.faults, pytest.mark.integration]


def test_link_cut_and_rocket_agent_freeze(tmp_path: Path) -> None:
    flight = fly_through(tmp_path, "link-cut@80+40", "agent-freeze:rocket@200+40")
    assert any("through a relay" in line for line in flight.lines), flight.story()
    rows = Rows(flight)
    rows.check("flight", lambda: assert_flew_nominally(flight))
    rows.check("ledgers", lambda: assert_ledgers_whole(flight))
    rows.check("link held", lambda: assert_noted(flight, "link-cut", "connections held open"))
    rows.check(
        "link-cut", lambda: assert_named_ground(flight, flight.fault("link-cut"), {"broker"})
    )
    rows.check(
        "agent-freeze:rocket",
        lambda: assert_no_loss_of_signal(flight, but=flight.fault("agent-freeze:rocket")),
    )
    rows.assert_all()
