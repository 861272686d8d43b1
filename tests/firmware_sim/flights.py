"""Flying a world headless with the autopilot and sampling every active device, for tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from firmware_sim.physics import Autopilot, AutopilotConfig, Fault, World, WorldEvent
from firmware_sim.vehicles import Vehicle
from marsy.protocol.enums import Device, EventType, FlightPhase


@dataclass(frozen=True)
class Sample:
    t: float
    device: Device
    phase: FlightPhase
    truth: dict[str, float | int]


@dataclass
class Recording:
    """A flight flown headless with the autopilot, every active device sampled at ``dt``."""

    world: World
    events: list[WorldEvent] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)

    def first(self, event: EventType) -> WorldEvent:
        found = [e for e in self.events if e.event is event]
        assert found, f"no {event} in {[e.event.value for e in self.events]}"
        return found[0]

    def t_plus(self, event: EventType) -> float:
        liftoff = self.world.liftoff_time
        assert liftoff is not None
        return self.first(event).t - liftoff

    def of(self, device: Device) -> list[Sample]:
        return [s for s in self.samples if s.device is device]


def record(
    vehicle: Vehicle,
    *,
    seed: int = 0,
    config: AutopilotConfig | None = None,
    faults: Sequence[Fault] = (),
    dt: float = 0.5,
    until: float = 900.0,
) -> Recording:
    world = World(vehicle, seed=seed, autopilot=Autopilot(config))
    for fault in faults:
        world.schedule_fault(fault)
    flight = Recording(world)
    while world.t < until:
        world.step(dt)
        flight.events.extend(world.pop_events())
        for device in Device:
            if world.active(device):
                flight.samples.append(
                    Sample(world.t, device, world.phase(device), world.truth(device))
                )
    return flight
