"""Point-mass bodies over the rotating Earth: forces, the RK4 integrator, what sensors would see.

A body's state is inertial ``(x, y, vx, vy, propellant)``; everything else about its mass is a
constant (``fixed_mass``). Gravity falls as 1/r2, the air co-rotates with the Earth, thrust and
flow follow ambient pressure, and a tank that empties mid-step ends the burn at the exact
instant, so propellant never goes negative and mass never drops below the fixed mass.
"""

from __future__ import annotations

import math
from enum import Enum
from typing import NamedTuple

from firmware_sim.physics.aero import DragCurve
from firmware_sim.physics.atmosphere import Air, atmosphere
from firmware_sim.physics.earth import (
    MU,
    OMEGA,
    R_EARTH,
    downrange,
    longitude_of,
    surface_position,
)
from firmware_sim.physics.propulsion import EngineBay

State = tuple[float, float, float, float, float]
"""x, y (m), vx, vy (m/s), propellant (kg) in the Earth-centred inertial frame."""


class Attitude(Enum):
    """Where the thrust points."""

    UP = "up"
    PITCH = "pitch"
    """``pitch`` radians above the local horizontal, toward the east."""
    PROGRADE = "prograde"
    """Along the velocity relative to the Earth (gravity turn)."""
    RETROGRADE = "retrograde"
    """Against the velocity relative to the Earth (braking)."""


class Sense(NamedTuple):
    """What a perfect sensor suite on the body reads now."""

    altitude: float
    speed: float
    """m/s relative to the rotating Earth."""
    inertial_speed: float
    vertical_speed: float
    downrange: float
    acceleration: float
    """m/s2 of proper (sensed) acceleration: thrust, drag and ground reaction, not gravity."""
    dynamic_pressure: float
    mach: float
    mass: float
    air: Air


class Body:
    """One flying (or grounded) object: a rocket stack, a booster, a capsule, a satellite."""

    def __init__(
        self,
        state: State,
        *,
        fixed_mass: float,
        capacity: float,
        area: float,
        drag: DragCurve,
        engines: EngineBay | None = None,
    ) -> None:
        self.state = state
        self.fixed_mass = fixed_mass
        self.capacity = capacity
        """kg the burning tank holds when full (for the fuel percentage)."""
        self.area = area
        self.drag = drag
        self.engines = engines
        self.extra_cda = 0.0
        """m2 of drag area added to ``cd * area`` (parachutes)."""
        self.attitude = Attitude.UP
        self.pitch = math.pi / 2
        self.grounded_at: float | None = None
        """Longitude (rad) while at rest on the surface; ``None`` while flying."""

    @classmethod
    def on_ground(
        cls,
        longitude: float,
        t: float,
        *,
        propellant: float,
        fixed_mass: float,
        capacity: float,
        area: float,
        drag: DragCurve,
        engines: EngineBay | None = None,
    ) -> Body:
        x, y, vx, vy = surface_position(longitude, t)
        body = cls(
            (x, y, vx, vy, propellant),
            fixed_mass=fixed_mass,
            capacity=capacity,
            area=area,
            drag=drag,
            engines=engines,
        )
        body.grounded_at = longitude
        return body

    @property
    def mass(self) -> float:
        return self.fixed_mass + self.state[4]

    @property
    def propellant(self) -> float:
        return self.state[4]

    @property
    def altitude(self) -> float:
        return math.hypot(self.state[0], self.state[1]) - R_EARTH

    @property
    def powered(self) -> bool:
        engines = self.engines
        return engines is not None and engines.running > 0 and self.state[4] > 0.0

    def ground(self, t: float) -> None:
        """Come to rest on the surface where the body now is."""
        x, y = self.state[0], self.state[1]
        self.grounded_at = longitude_of(x, y, t)
        self.hold(t)

    def hold(self, t: float) -> None:
        """Move a grounded body with the Earth to time ``t``."""
        if self.grounded_at is not None:
            x, y, vx, vy = surface_position(self.grounded_at, t)
            self.state = (x, y, vx, vy, self.state[4])

    def burn_propellant(self, dt: float) -> None:
        """Consume propellant while held on the ground with engines running (before lift-off)."""
        engines = self.engines
        if engines is None or not engines.running:
            return
        _, flow = engines.motor.thrust_and_flow(atmosphere(self.altitude).pressure)
        used = flow * engines.running * engines.throttle * dt
        x, y, vx, vy, prop = self.state
        self.state = (x, y, vx, vy, max(0.0, prop - used))

    def forces(
        self, s: State, burning: bool | None = None
    ) -> tuple[float, float, float, float, float, Air]:
        """Non-gravity acceleration (x, y), mass flow, radius, Earth-relative speed, the air.

        ``burning`` says whether the engines push during this evaluation; by default they do
        when running with propellant left. The integrator decides it once per (sub-)step, so
        the last evaluation of a burn that ends exactly on an empty tank still has thrust.
        """
        x, y, vx, vy, prop = s
        r = math.hypot(x, y)
        air = atmosphere(r - R_EARTH)
        ux, uy = x / r, y / r
        vrx, vry = vx + OMEGA * y, vy - OMEGA * x
        v = math.hypot(vrx, vry)
        m = self.fixed_mass + (prop if prop > 0.0 else 0.0)
        ax = ay = 0.0
        if v > 0.0 and air.density > 0.0:
            cda = self.drag.cd(v / air.speed_of_sound) * self.area + self.extra_cda
            k = -0.5 * air.density * v * cda / m
            ax, ay = k * vrx, k * vry
        thrust = flow = 0.0
        engines = self.engines
        if burning is None:
            burning = engines is not None and engines.running > 0 and prop > 0.0
        if burning and engines is not None:
            one, one_flow = engines.motor.thrust_and_flow(air.pressure)
            share = engines.running * engines.throttle
            thrust, flow = one * share, one_flow * share
            attitude = self.attitude
            if attitude is Attitude.UP or (attitude is not Attitude.PITCH and v < 1e-3):
                dx, dy = ux, uy
            elif attitude is Attitude.PITCH:
                c, sn = math.cos(self.pitch), math.sin(self.pitch)
                dx, dy = c * -uy + sn * ux, c * ux + sn * uy
            elif attitude is Attitude.PROGRADE:
                dx, dy = vrx / v, vry / v
            else:
                dx, dy = -vrx / v, -vry / v
            ax += thrust / m * dx
            ay += thrust / m * dy
        return ax, ay, flow, r, v, air

    def derivative(self, s: State, burning: bool) -> State:
        ax, ay, flow, r, _, _ = self.forces(s, burning)
        k = -MU / (r * r * r)
        return s[2], s[3], ax + k * s[0], ay + k * s[1], -flow

    def _rk4(self, s: State, h: float, burning: bool) -> State:
        f = self.derivative
        x, y, vx, vy, p = s
        k1 = f(s, burning)
        h2 = 0.5 * h
        k2 = f(
            (x + h2 * k1[0], y + h2 * k1[1], vx + h2 * k1[2], vy + h2 * k1[3], p + h2 * k1[4]),
            burning,
        )
        k3 = f(
            (x + h2 * k2[0], y + h2 * k2[1], vx + h2 * k2[2], vy + h2 * k2[3], p + h2 * k2[4]),
            burning,
        )
        k4 = f(
            (x + h * k3[0], y + h * k3[1], vx + h * k3[2], vy + h * k3[3], p + h * k3[4]), burning
        )
        h6 = h / 6.0
        return (
            x + h6 * (k1[0] + 2.0 * k2[0] + 2.0 * k3[0] + k4[0]),
            y + h6 * (k1[1] + 2.0 * k2[1] + 2.0 * k3[1] + k4[1]),
            vx + h6 * (k1[2] + 2.0 * k2[2] + 2.0 * k3[2] + k4[2]),
            vy + h6 * (k1[3] + 2.0 * k2[3] + 2.0 * k3[3] + k4[3]),
            max(0.0, p + h6 * (k1[4] + 2.0 * k2[4] + 2.0 * k3[4] + k4[4])),
        )

    def propagate(self, s: State, h: float) -> State:
        """``s`` advanced by ``h`` seconds; a tank running dry cuts the burn at that instant."""
        engines = self.engines
        burning = engines is not None and engines.running > 0 and s[4] > 0.0
        if burning and engines is not None and engines.max_flow() * h >= s[4]:
            flow = self.forces(s, True)[2]
            if flow > 0.0 and flow * h >= s[4]:
                t_dry = s[4] / flow
                s = self._rk4(s, t_dry, True)
                s = (s[0], s[1], s[2], s[3], 0.0)
                h -= t_dry
                burning = False
                if h <= 0.0:
                    return s
        return self._rk4(s, h, burning)

    def advance(self, h: float) -> None:
        if self.grounded_at is None:
            self.state = self.propagate(self.state, h)

    def sense(self, t: float, state: State | None = None) -> Sense:
        """Sensor truth at time ``t`` for the current (or a given) state."""
        s = self.state if state is None else state
        x, y, vx, vy, prop = s
        m = self.fixed_mass + prop
        if self.grounded_at is not None:
            air = atmosphere(0.0)
            r = math.hypot(x, y)
            support = MU / (r * r) - OMEGA * OMEGA * r
            return Sense(
                altitude=r - R_EARTH,
                speed=0.0,
                inertial_speed=math.hypot(vx, vy),
                vertical_speed=0.0,
                downrange=downrange(x, y, t),
                acceleration=support,
                dynamic_pressure=0.0,
                mach=0.0,
                mass=m,
                air=air,
            )
        ax, ay, _, r, v, air = self.forces(s)
        return Sense(
            altitude=r - R_EARTH,
            speed=v,
            inertial_speed=math.hypot(vx, vy),
            vertical_speed=(x * vx + y * vy) / r,
            downrange=downrange(x, y, t),
            acceleration=math.hypot(ax, ay),
            dynamic_pressure=0.5 * air.density * v * v,
            mach=v / air.speed_of_sound,
            mass=m,
            air=air,
        )
