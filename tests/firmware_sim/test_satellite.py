"""The satellite's bus: arrays out after detach, battery and temperature through day and night."""

from __future__ import annotations

import math

import pytest

from firmware_sim.physics.earth import R_EARTH
from firmware_sim.physics.satellite import SatelliteBus, in_shadow
from firmware_sim.vehicles import Vehicle
from marsy.protocol.enums import Device

from .flights import Recording


def test_shadow_is_behind_the_earth() -> None:
    r = R_EARTH + 200_000.0
    assert not in_shadow(r, 0.0, 1.0, 0.0)
    assert in_shadow(-r, 0.0, 1.0, 0.0)
    assert not in_shadow(0.0, r, 1.0, 0.0)  # over the terminator, still lit


def test_arrays_deploy_then_charge(marsy_flight: Recording, marsy: Vehicle) -> None:
    samples = marsy_flight.of(Device.SATELLITE)
    first = samples[0]
    assert first.truth["solar_power"] == 0.0
    late = [s for s in samples if s.t - first.t > marsy.satellite.array_deploy_delay + 1.0]
    assert late and all(s.truth["solar_power"] == marsy.satellite.array_power for s in late)


def test_day_and_night(marsy: Vehicle) -> None:
    bus = SatelliteBus(marsy.satellite)
    r = R_EARTH + 200_000.0
    period = 5_300.0
    lowest_charge, temperatures = 100.0, []
    for i in range(5_300):
        angle = math.tau * i / period
        bus.update(1.0, r * math.cos(angle), r * math.sin(angle))
        lowest_charge = min(lowest_charge, bus.battery)
        temperatures.append(bus.temperature)
    assert lowest_charge < marsy.satellite.battery_initial  # night drained it
    assert bus.battery > lowest_charge  # day charged it back
    assert max(temperatures) - min(temperatures) > 5.0
    assert min(temperatures) > marsy.satellite.temperature_eclipse - 1e-9
    assert bus.solar_power == pytest.approx(marsy.satellite.array_power)
