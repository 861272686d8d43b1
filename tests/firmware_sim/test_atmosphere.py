"""The U.S. Standard Atmosphere 1976 against the standard's own published values."""

from __future__ import annotations

from itertools import pairwise

import pytest

from firmware_sim.physics.atmosphere import R0, atmosphere


def geometric(geopotential: float) -> float:
    """The geometric altitude of a geopotential one (the standard tabulates both)."""
    return R0 * geopotential / (R0 - geopotential)


def test_sea_level() -> None:
    air = atmosphere(0.0)
    assert air.pressure == pytest.approx(101_325.0)
    assert air.density == pytest.approx(1.225, abs=5e-4)
    assert air.temperature == pytest.approx(288.15)
    assert air.speed_of_sound == pytest.approx(340.3, abs=0.05)


@pytest.mark.parametrize(
    ("geopotential", "pressure", "temperature"),
    [
        (11_000.0, 22_632.1, 216.65),
        (20_000.0, 5_474.89, 216.65),
        (32_000.0, 868.019, 228.65),
        (47_000.0, 110.906, 270.65),
        (71_000.0, 3.95642, 214.65),
    ],
)
def test_layer_bases(geopotential: float, pressure: float, temperature: float) -> None:
    air = atmosphere(geometric(geopotential))
    assert air.pressure == pytest.approx(pressure, rel=1e-4)
    assert air.temperature == pytest.approx(temperature, abs=1e-6)


def test_tropopause_speed_of_sound() -> None:
    assert atmosphere(geometric(11_000.0)).speed_of_sound == pytest.approx(295.07, abs=0.05)


def test_layers_meet_the_table_at_86_km() -> None:
    below, above = atmosphere(85_999.0), atmosphere(86_000.0)
    assert below.pressure == pytest.approx(above.pressure, rel=2e-3)
    assert below.density == pytest.approx(above.density, rel=2e-3)


@pytest.mark.parametrize(
    ("altitude", "density"),
    [(100_000.0, 5.604e-7), (150_000.0, 2.076e-9), (200_000.0, 2.541e-10), (400_000.0, 2.803e-12)],
)
def test_thermosphere_densities(altitude: float, density: float) -> None:
    assert atmosphere(altitude).density == pytest.approx(density, rel=1e-3)


def test_density_and_pressure_fall_all_the_way_up() -> None:
    heights = [float(h) for h in range(0, 1_200_001, 500)]
    airs = [atmosphere(h) for h in heights]
    assert all(b.density < a.density for a, b in pairwise(airs))
    assert all(b.pressure < a.pressure for a, b in pairwise(airs))
