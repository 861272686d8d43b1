"""The upper-stage flight computer: ignition after staging, closed-loop insertion, SECO, orbit.

Guidance re-solves every tick for the pitch that brings the vertical speed to zero at the
target altitude when the burn ends, and cuts the engine (SECO) as soon as the orbital energy
of the target circular orbit is reached, or when the tank runs dry.
"""

from __future__ import annotations

from firmware_sim.physics.ascent import g_limited_throttle
from firmware_sim.physics.dynamics import Attitude, Body, Sense
from firmware_sim.physics.earth import G0, R_EARTH, apsides
from firmware_sim.physics.events import Emit
from firmware_sim.physics.guidance import (
    MIN_TIME_TO_GO,
    circular_energy,
    insertion_pitch,
    specific_energy,
    time_to_go,
)
from firmware_sim.vehicles import Vehicle
from marsy.protocol.enums import Device, EventType


class UpperStageComputer:
    def __init__(self, vehicle: Vehicle, ignition_t_plus: float) -> None:
        self._target_radius = R_EARTH + vehicle.ascent.target_altitude
        self._target_energy = circular_energy(vehicle.ascent.target_altitude)
        self._min_periapsis = vehicle.ascent.orbit_min_periapsis
        self._limit = vehicle.stage2.max_acceleration
        self._exhaust = vehicle.stage2.engine.isp_vac * G0
        self.ignition_t_plus = ignition_t_plus
        self.commanded = 1.0
        self.ignited = False
        self.seco_t_plus: float | None = None
        self.in_orbit = False
        self.dead = False
        """The engine failed: no ignition, or no more thrust."""
        self._pitch: float | None = None

    @property
    def burning(self) -> bool:
        return self.ignited and self.seco_t_plus is None and not self.dead

    @property
    def waiting(self) -> bool:
        """Staged, engine not lit yet, and still able to light."""
        return not self.ignited and not self.dead

    def fly(self, t_plus: float, body: Body, sense: Sense, emit: Emit) -> None:
        engines = body.engines
        if engines is None or self.seco_t_plus is not None or self.dead:
            return
        if engines.failed:
            self.dead = True
            return
        if not self.ignited:
            if t_plus < self.ignition_t_plus:
                return
            self.ignited = True
            engines.burn(engines.installed, self.commanded)
        x, y, vx, vy, prop = body.state
        if prop <= 0.0:
            self._cut(t_plus, body, emit, "propellant exhausted")
            return
        if specific_energy(x, y, vx, vy) >= self._target_energy:
            self._cut(t_plus, body, emit, "target orbital energy reached")
            return
        full, flow = engines.motor.thrust_and_flow(sense.air.pressure)
        full *= engines.running
        throttle = min(self.commanded, g_limited_throttle(self._limit, sense.mass, full))
        engines.burn(engines.running, throttle)
        t_go = time_to_go(
            x,
            y,
            vx,
            vy,
            self._target_radius,
            sense.mass,
            flow * engines.running * engines.throttle,
            self._exhaust,
        )
        if t_go > MIN_TIME_TO_GO or self._pitch is None:
            accel = full * engines.throttle / sense.mass
            self._pitch = insertion_pitch(x, y, vx, vy, accel, self._target_radius, t_go)
        body.attitude, body.pitch = Attitude.PITCH, self._pitch

    def _cut(self, t_plus: float, body: Body, emit: Emit, why: str) -> None:
        if body.engines is not None:
            body.engines.cut()
        self.seco_t_plus = t_plus
        x, y, vx, vy, _ = body.state
        apo, peri = apsides(x, y, vx, vy)
        emit(
            EventType.SECO,
            Device.ROCKET,
            f"{why}; apoapsis {apo / 1000:.1f} km, periapsis {peri / 1000:.1f} km",
        )
        if peri >= self._min_periapsis:
            self.in_orbit = True
            emit(EventType.ORBIT, Device.ROCKET, f"orbit {apo / 1000:.1f} x {peri / 1000:.1f} km")
