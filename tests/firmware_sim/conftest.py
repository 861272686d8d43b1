"""Flights shared by the flight-model tests: each is flown once per session and sampled."""

from __future__ import annotations

import pytest

from firmware_sim.physics import AutopilotConfig
from firmware_sim.vehicles import Vehicle, load_vehicle

from .flights import Recording, record


@pytest.fixture(scope="session")
def falcon9() -> Vehicle:
    return load_vehicle("falcon9")


@pytest.fixture(scope="session")
def marsy() -> Vehicle:
    return load_vehicle("marsy")


@pytest.fixture(scope="session")
def marsy_flight(marsy: Vehicle) -> Recording:
    """The default mission, nominal, to a little after the payload is out."""
    return record(marsy, dt=0.25, until=520.0)


@pytest.fixture(scope="session")
def abort_flight(falcon9: Vehicle) -> Recording:
    """Falcon 9 with the crew ejecting at T+60 s, near Max-Q, until the splashdown."""
    return record(falcon9, config=AutopilotConfig(eject_at=60.0), until=500.0)
