"""Names of the physical objects in the world."""

from __future__ import annotations

from enum import StrEnum


class BodyName(StrEnum):
    """A physical object; the capsule has no board of its own (the suit rides it)."""

    ROCKET = "rocket"
    BOOSTER = "booster"
    SATELLITE = "satellite"
    CAPSULE = "capsule"
