"""World-level faults scheduled ahead: an engine failure, an explosion (with its warning)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum


class FaultKind(StrEnum):
    ENGINE_FAILURE = "engine_failure"
    EXPLOSION = "explosion"


@dataclass(frozen=True, slots=True)
class Fault:
    kind: FaultKind
    at: float
    """s after lift-off."""
    warning: float = 0.0
    """s before ``at`` that EXPLOSION_IMMINENT is raised (explosions only)."""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.at) and self.at >= 0.0):
            raise ValueError(f"fault time must be a finite T+ >= 0 s, got {self.at!r}")
        if not (math.isfinite(self.warning) and self.warning >= 0.0):
            raise ValueError(f"warning must be finite and >= 0 s, got {self.warning!r}")
        if self.kind is FaultKind.ENGINE_FAILURE and self.warning:
            raise ValueError("an engine failure comes without warning")


def fail_engine(at: float) -> Fault:
    """The burning stage loses all thrust at T+``at``."""
    return Fault(FaultKind.ENGINE_FAILURE, at)


def explode(at: float, warning: float = 1.0) -> Fault:
    """The rocket explodes at T+``at``; EXPLOSION_IMMINENT comes ``warning`` seconds earlier."""
    return Fault(FaultKind.EXPLOSION, at, warning)
