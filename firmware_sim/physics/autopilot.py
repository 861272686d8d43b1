"""Stand-in for the ground services when the model flies alone (headless runs, tests).

It gives the orders the ground would: ignition at T0, separation when the first stage runs
low or shortly after it cut off by itself (MECO), payload detach once in orbit, and optionally
an abort drill. Each order is given once;
each can be switched off so a test or a ground service takes over that part.
"""

from __future__ import annotations

from dataclasses import dataclass

from marsy.protocol.enums import CommandAction, FlightPhase


@dataclass(frozen=True, slots=True)
class AutopilotConfig:
    ignite_at: float = 10.0
    """s of world time (pad time) at which T0 ignition is ordered."""
    separate_below: float = 8.0
    """% first-stage propellant under which separation is ordered."""
    separate_after_meco: float = 3.0
    """s after the first stage's own cut-off (MECO) that separation is ordered, whatever
    propellant it kept for its way home."""
    detach_after: float = 10.0
    """s after reaching orbit that the payload is detached."""
    eject_at: float | None = None
    """T+ s of an abort drill (capsule ejection); ``None`` for a nominal flight."""
    ignite: bool = True
    separate: bool = True
    detach: bool = True


@dataclass(frozen=True, slots=True)
class Cues:
    """What the autopilot looks at, built by the world each tick."""

    t: float
    t_plus: float | None
    rocket_phase: FlightPhase
    fuel_stage1: float
    """% of first-stage propellant left (0 once staged)."""
    stage1_attached: bool
    meco_t_plus: float | None
    """T+ of the first stage's cut-off, once it happened."""
    orbit_t: float | None
    """World time the rocket reached orbit, if it has."""


class Autopilot:
    def __init__(self, config: AutopilotConfig | None = None) -> None:
        self.config = config = config or AutopilotConfig()
        self._given: set[CommandAction] = set()
        enabled = {
            CommandAction.IGNITE: config.ignite,
            CommandAction.SEPARATE: config.separate,
            CommandAction.DETACH: config.detach,
            CommandAction.EJECT: config.eject_at is not None,
        }
        self._wanted = {order for order, on in enabled.items() if on}

    @property
    def pending(self) -> bool:
        """Some order is still to be given (once all are, the autopilot has nothing to do)."""
        return not self._wanted <= self._given

    def decide(self, cues: Cues) -> list[CommandAction]:
        """The orders due now, each at most once per flight."""
        config = self.config
        due: list[CommandAction] = []
        if config.ignite and cues.rocket_phase is FlightPhase.PAD and cues.t >= config.ignite_at:
            due.append(CommandAction.IGNITE)
        flying = cues.t_plus is not None
        cut_off = (
            cues.meco_t_plus is not None
            and cues.t_plus is not None
            and cues.t_plus >= cues.meco_t_plus + config.separate_after_meco
        )
        if (
            config.separate
            and flying
            and cues.stage1_attached
            and (cues.fuel_stage1 < config.separate_below or cut_off)
        ):
            due.append(CommandAction.SEPARATE)
        if (
            config.detach
            and cues.orbit_t is not None
            and cues.t >= cues.orbit_t + config.detach_after
        ):
            due.append(CommandAction.DETACH)
        if (
            config.eject_at is not None
            and cues.t_plus is not None
            and cues.t_plus >= config.eject_at
        ):
            due.append(CommandAction.EJECT)
        orders = [order for order in due if order not in self._given]
        self._given.update(orders)
        return orders
