"""The state of one flight: bodies, their computers, what is attached, lost or landed.

The world steps it, the commands and outcomes change it, the truth reads it; keeping it in one
place lets each of those stay a small module of its own.
"""

from __future__ import annotations

import random

from firmware_sim.physics.ascent import AscentComputer
from firmware_sim.physics.booster import BoosterComputer
from firmware_sim.physics.capsule import CapsuleComputer
from firmware_sim.physics.dynamics import Body, Sense, State
from firmware_sim.physics.events import WorldEvent
from firmware_sim.physics.names import BodyName
from firmware_sim.physics.physiology import Astronaut
from firmware_sim.physics.satellite import SatelliteBus
from firmware_sim.physics.staging import stack_on_pad
from firmware_sim.physics.upper_stage import UpperStageComputer
from firmware_sim.vehicles import Vehicle
from marsy.protocol.enums import Device, EventType, FlightPhase

TICK = 0.02
"""s, the fixed integration and decision step."""

Truth = dict[str, float | int]


class Flight:
    def __init__(self, vehicle: Vehicle, rng: random.Random) -> None:
        self.vehicle = vehicle
        self.ticks = 0
        self.liftoff_tick: int | None = None
        self.orbit_t: float | None = None
        self.events: list[WorldEvent] = []
        self.bodies: dict[BodyName, Body] = {BodyName.ROCKET: stack_on_pad(vehicle)}
        self.lag: dict[BodyName, int] = {BodyName.ROCKET: 0}
        """Ticks a coasting body's committed state trails the clock."""
        self.lost: dict[BodyName, float] = {}
        """Bodies destroyed, with the time."""
        self.landed: dict[BodyName, float] = {}
        """Bodies at rest on the ground, with their touchdown speed (m/s)."""
        self.frozen: dict[Device, Truth] = {}
        """Last truth of each device whose body was destroyed."""
        self.stage1_attached = True
        self.capsule_attached = True
        self.satellite_attached = True
        self.ignited = False
        self.ascent = AscentComputer(vehicle)
        self.upper: UpperStageComputer | None = None
        self.recovery: BoosterComputer | None = None
        self.capsule: CapsuleComputer | None = None
        self.bus: SatelliteBus | None = None
        self.astronaut = Astronaut(rng)
        self.senses: dict[BodyName, Sense] = {}
        """What each flight computer saw at the start of the current tick."""

    # --- time --------------------------------------------------------------------------------

    @property
    def t(self) -> float:
        """s of the last completed tick: the instant every truth value describes."""
        return self.ticks * TICK

    @property
    def t_plus(self) -> float:
        """s since lift-off (0 before)."""
        return 0.0 if self.liftoff_tick is None else (self.ticks - self.liftoff_tick) * TICK

    def emit(self, event: EventType, device: Device, detail: str) -> None:
        self.emit_at(self.t, event, device, detail)

    def emit_at(self, t: float, event: EventType, device: Device, detail: str) -> None:
        self.events.append(WorldEvent(t, event, device, detail))
        if event in (EventType.EXPLOSION_IMMINENT, EventType.ENGINE_FAILURE):
            self.astronaut.shock(0.8)
        elif event in (EventType.DROGUE_DEPLOYED, EventType.MAIN_DEPLOYED):
            self.astronaut.shock(0.7)

    # --- bodies ------------------------------------------------------------------------------

    def add(self, name: BodyName, body: Body) -> None:
        self.bodies[name] = body
        self.lag[name] = 0

    def sync(self, name: BodyName) -> Body:
        """The body with any coarse-step lag integrated away (before anything changes it)."""
        body = self.bodies[name]
        lag = self.lag.get(name, 0)
        if lag:
            body.advance(lag * TICK)
            self.lag[name] = 0
        return body

    def state_of(self, name: BodyName) -> State:
        """Body ``name``'s inertial state now (coarse-step lag propagated, not committed)."""
        body = self.bodies[name]
        lag = self.lag.get(name, 0)
        return body.propagate(body.state, lag * TICK) if lag else body.state

    def sense(self, name: BodyName) -> Sense:
        """What a perfect sensor on body ``name`` reads now."""
        return self.bodies[name].sense(self.t, self.state_of(name))

    def carrier(self) -> BodyName:
        """The body the astronaut rides: the rocket, or the capsule after ejection."""
        return BodyName.ROCKET if self.capsule is None else BodyName.CAPSULE

    # --- phases ------------------------------------------------------------------------------

    def rocket_phase(self) -> FlightPhase:
        if BodyName.ROCKET in self.lost:
            return FlightPhase.DESTROYED
        if self.capsule is not None:
            return FlightPhase.ABORT
        if self.liftoff_tick is None:
            return FlightPhase.PAD
        if self.stage1_attached:
            if self.ascent.meco_t_plus is not None:
                return FlightPhase.COAST
            return FlightPhase.MAX_Q if self.ascent.in_bucket else FlightPhase.ASCENT
        upper = self.upper
        if upper is not None and upper.in_orbit:
            return FlightPhase.ORBIT
        if upper is not None and upper.burning:
            return FlightPhase.UPPER_STAGE
        return FlightPhase.COAST

    def phase(self, device: Device) -> FlightPhase:
        """A device's phase; a device not yet on its own body shares the rocket's."""
        if device is Device.BOOSTER and BodyName.BOOSTER in self.bodies:
            if BodyName.BOOSTER in self.lost:
                return FlightPhase.DESTROYED
            if BodyName.BOOSTER in self.landed:
                return FlightPhase.LANDED
            return self.recovery.phase if self.recovery else FlightPhase.COAST
        if device is Device.SATELLITE and BodyName.SATELLITE in self.bodies:
            lost = BodyName.SATELLITE in self.lost
            return FlightPhase.DESTROYED if lost else FlightPhase.ORBIT
        if device is Device.SUIT:
            if Device.SUIT in self.frozen:
                return FlightPhase.DESTROYED
            if self.capsule is not None:
                return self.capsule.phase
        return self.rocket_phase()

    def active(self, device: Device) -> bool:
        if device is Device.ROCKET:
            return BodyName.ROCKET not in self.lost
        if device is Device.SUIT:
            return Device.SUIT not in self.frozen
        name = BodyName.BOOSTER if device is Device.BOOSTER else BodyName.SATELLITE
        return name in self.bodies and name not in self.lost
