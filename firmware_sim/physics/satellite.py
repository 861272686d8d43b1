"""The satellite's bus after detach: Sun or shadow, array power, battery, temperature."""

from __future__ import annotations

import math

from firmware_sim.physics.earth import R_EARTH
from firmware_sim.vehicles import Satellite


def in_shadow(x: float, y: float, sun_x: float, sun_y: float) -> bool:
    """Inside the Earth's cylindrical shadow, the Sun being along the unit vector (sun_x, sun_y)."""
    along = x * sun_x + y * sun_y
    if along >= 0.0:
        return False
    across = x * sun_y - y * sun_x
    return abs(across) < R_EARTH


class SatelliteBus:
    def __init__(self, satellite: Satellite) -> None:
        self._config = satellite
        angle = math.radians(satellite.sun_angle)
        self._sun = (math.cos(angle), math.sin(angle))
        self.age = 0.0
        """s since detach."""
        self.battery = satellite.battery_initial
        self.temperature = satellite.temperature_initial
        self.solar_power = 0.0

    def update(self, dt: float, x: float, y: float) -> None:
        """Advance ``dt`` seconds with the satellite at inertial position (x, y)."""
        config = self._config
        self.age += dt
        lit = not in_shadow(x, y, *self._sun)
        deployed = self.age >= config.array_deploy_delay
        self.solar_power = config.array_power if lit and deployed else 0.0
        net_wh = (self.solar_power - config.load) * dt / 3600.0
        self.battery = min(100.0, max(0.0, self.battery + 100.0 * net_wh / config.battery_capacity))
        target = config.temperature_sunlit if lit else config.temperature_eclipse
        blend = 1.0 - math.exp(-dt / config.thermal_time_constant)
        self.temperature += (target - self.temperature) * blend
