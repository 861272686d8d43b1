"""A nominal mission through the ground's own faults: the broker killed, then frozen, then the
store killed, each longer than the loss-of-signal threshold. None of them is a vehicle
emergency: the flight completes untouched, each fault is called a ground alert on the part at
fault, and nothing acknowledged is lost."""

from __future__ import annotations

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

PARTS = {"broker-kill": "broker", "broker-freeze": "broker", "store-kill": "store"}


def test_broker_kill_broker_freeze_and_store_kill(tmp_path: Path) -> None:
    flight = fly_through(tmp_path, "broker-kill@60+40", "broker-freeze@160+40", "store-kill@260+40")
    rows = Rows(flight)
    rows.check("flight", lambda: assert_flew_nominally(flight))
    rows.check("ledgers", lambda: assert_ledgers_whole(flight))
    rows.check("no loss of signal", lambda: assert_no_loss_of_signal(flight))
    for name, part in PARTS.items():
        rows.check(name, partial(named, flight, name, part))
    rows.check("broker back", lambda: assert_noted(flight, "broker-kill", "started again"))
    rows.check("store back", lambda: assert_noted(flight, "store-kill", "started again"))
    rows.assert_all()


def named(flight: Flight, name: str, part: str) -> None:
    assert_named_ground(flight, flight.fault(name), {part})
