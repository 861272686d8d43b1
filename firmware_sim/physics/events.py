"""What the world reports happened, in order, for the boards and the ground to pick up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from marsy.protocol.enums import Device, EventType


@dataclass(frozen=True, slots=True)
class WorldEvent:
    t: float
    """s since the world started."""
    event: EventType
    device: Device
    detail: str


Emit = Callable[[EventType, Device, str], None]
"""How a flight computer reports an event; the world stamps the time."""
