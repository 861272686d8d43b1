"""Bodies released at orbital speed stay in orbit; the coarse coasting step keeps them there."""

from __future__ import annotations

import math

import pytest

from firmware_sim.physics import AutopilotConfig
from firmware_sim.physics.aero import DragCurve
from firmware_sim.physics.dynamics import Body
from firmware_sim.physics.earth import MU, R_EARTH, apsides, circular_speed
from firmware_sim.trajectory import fly
from firmware_sim.vehicles import Vehicle
from marsy.protocol.enums import Device, EventType, FlightPhase

from .flights import record


def period(altitude: float) -> float:
    return math.tau * math.sqrt((R_EARTH + altitude) ** 3 / MU)


def test_a_circular_orbit_closes_on_itself() -> None:
    altitude = 250_000.0
    r = R_EARTH + altitude
    body = Body(
        (r, 0.0, 0.0, circular_speed(altitude), 0.0),
        fixed_mass=500.0,
        capacity=1.0,
        area=2.0,
        drag=DragCurve(((0.0, 2.2),)),
    )
    steps = 2_000
    lowest = math.inf
    for _ in range(steps):
        body.advance(period(altitude) / steps)
        lowest = min(lowest, body.altitude)
    x, y = body.state[0], body.state[1]
    assert math.hypot(x - r, y) < 2_000.0  # back where it started, drag and all
    assert lowest > altitude - 1_000.0


def test_the_released_satellite_stays_in_orbit_for_a_full_orbit(marsy: Vehicle) -> None:
    flight = record(marsy, dt=5.0, until=500.0 + period(200_000.0))
    satellite = flight.of(Device.SATELLITE)
    assert satellite, "the satellite was never released"
    span = satellite[-1].t - satellite[0].t
    assert span >= period(200_000.0)
    assert all(s.phase is FlightPhase.ORBIT for s in satellite)
    assert min(float(s.truth["periapsis"]) for s in satellite) > 150_000.0
    assert min(float(s.truth["altitude"]) for s in satellite) > 150_000.0
    # The spent upper stage, in the same orbit, stays up too.
    rocket = [s for s in flight.of(Device.ROCKET) if s.t >= satellite[0].t]
    assert min(float(s.truth["periapsis"]) for s in rocket) > 150_000.0


def test_insertion_speed_is_orbital_speed(marsy: Vehicle) -> None:
    summary = fly(marsy, autopilot=AutopilotConfig(detach=False))
    assert summary.insertion_altitude is not None and summary.periapsis is not None
    assert summary.insertion_inertial_speed == pytest.approx(
        circular_speed(summary.insertion_altitude), rel=0.01
    )
    assert summary.periapsis > 150_000.0
    assert summary.booster_touchdown_speed is not None
    assert EventType.PAYLOAD_DETACHED not in {e.event for e in summary.events}


def test_apsides_of_a_circle_and_an_ellipse() -> None:
    r = R_EARTH + 300_000.0
    v = circular_speed(300_000.0)
    apo, peri = apsides(r, 0.0, 0.0, v)
    assert apo == pytest.approx(300_000.0, abs=1.0)
    assert peri == pytest.approx(300_000.0, abs=1.0)
    apo, peri = apsides(r, 0.0, 0.0, v * 1.01)
    assert peri == pytest.approx(300_000.0, abs=1.0)
    assert apo > 500_000.0
