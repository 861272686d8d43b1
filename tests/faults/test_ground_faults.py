"""A nominal mission through the ground's own faults and the vehicle's silence: the broker
killed, the link cut, the broker frozen, the rocket's agent frozen, the store killed, each
longer than the loss-of-signal threshold. Every client reaches the broker through the relay the
cut cuts; the cut holds the connections open and drops nothing, as a firewall dropping packets
would. None of them is a vehicle emergency: the flight completes untouched, each ground fault is
called a ground alert on the part at fault, the frozen agent is at most a hold, and nothing
acknowledged is lost."""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path

import pytest

from tests.faults.flight import (
    Flight,
    Rows,
    assert_flew_nominally,
    assert_ledgers_whole,
    assert_named_ground,
    assert_no_loss_of_signal,
    assert_noted,
    fly_through,
)

pytestmark = [pytest.mark.faults, pytest.mark.integration]

PLAN = (
    "broker-kill@40+40",
    # 50 s after: the clients' reconnect back-off (up to 10 wall seconds) has brought them all back
    "link-cut@130+40",
    "broker-freeze@200+40",
    "agent-freeze:rocket@260+40",
    "store-kill@320+40",
)
ON_THE_LINK = 12
"""At least the eight services and the four agents are connected through the relay when cut."""
PARTS = {
    "broker-kill": "broker",
    "link-cut": "broker",
    "broker-freeze": "broker",
    "store-kill": "store",
}


def test_every_ground_fault_and_a_frozen_rocket_agent(tmp_path: Path) -> None:
    flight = fly_through(tmp_path, *PLAN)
    assert any("through a relay" in line for line in flight.lines), flight.story()
    rows = Rows(flight)
    rows.check("flight", lambda: assert_flew_nominally(flight))
    rows.check("ledgers", lambda: assert_ledgers_whole(flight))
    frozen = flight.fault("agent-freeze:rocket")
    rows.check("no loss of signal", lambda: assert_no_loss_of_signal(flight, but=frozen))
    for name, part in PARTS.items():
        rows.check(name, partial(named, flight, name, part))
    rows.check("broker back", lambda: assert_noted(flight, "broker-kill", "started again"))
    rows.check("store back", lambda: assert_noted(flight, "store-kill", "started again"))
    rows.check("link held", lambda: held_open(flight))
    rows.assert_all()


def held_open(flight: Flight) -> None:
    record = str(flight.fault("link-cut"))
    found = re.search(r"(\d+) connections held open", record)
    assert found and int(found[1]) >= ON_THE_LINK, record


def named(flight: Flight, name: str, part: str) -> None:
    assert_named_ground(flight, flight.fault(name), {part})
