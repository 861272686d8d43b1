"""The flight model: the physical world the onboard sensor boards sample.

Pure and deterministic: a :class:`World` advances only through ``step(dt)``, draws randomness
only from its own seeded generator, and does no I/O beyond loading a vehicle file.
"""

from firmware_sim.physics.autopilot import Autopilot, AutopilotConfig
from firmware_sim.physics.commands import CommandResult
from firmware_sim.physics.events import WorldEvent
from firmware_sim.physics.faults import Fault, FaultKind, explode, fail_engine
from firmware_sim.physics.flight import TICK
from firmware_sim.physics.names import BodyName
from firmware_sim.physics.truth import BodySnapshot
from firmware_sim.physics.world import World

__all__ = [
    "TICK",
    "Autopilot",
    "AutopilotConfig",
    "BodyName",
    "BodySnapshot",
    "CommandResult",
    "Fault",
    "FaultKind",
    "World",
    "WorldEvent",
    "explode",
    "fail_engine",
]
