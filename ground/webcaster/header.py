"""What the page's header says: the mission's state and the phase the crew is really in. Pure.

Command's retained status gives the state (polling, scrubbed, flying, a hold, the end) and a
phase it moves on the vehicles' events; the rocket's own telemetry gives a fresher phase. Once
the mission aborts (the rocket's own ``abort``, the suit's ``ejection``, the suit reporting a
capsule phase, or Command's status in one) the header says ``abort`` until Command ends the
mission, and the phase is the suit's, which rides the capsule: abort, parachutes, landed, only
ever forward (a late sample does not take the capsule back up), moved by the suit's telemetry,
its own events (ejection, chutes, landing) and Command's status alike. The rocket's phase
(abort, then destroyed) is no longer the crew's.

A hold is Command's: its status stays ``flying`` with a detail starting ``HOLD`` while the hold
lasts. Any other state the status carries is shown as it is, in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marsy.protocol import (
    EventType,
    FlightPhase,
    MissionEvent,
    MissionState,
    MissionStatus,
    may_report,
)

ABORT = "abort"
"""The state shown from the abort until Command ends the mission."""
HOLD = "hold"
HOLD_DETAIL = "HOLD "
"""How Command's status detail starts while a hold is on."""
ENDED = frozenset({MissionState.SCRUBBED, MissionState.COMPLETE, MissionState.ABORTED})
"""Command's final word outranks everything seen before it."""
CAPSULE_ORDER = (FlightPhase.ABORT, FlightPhase.PARACHUTES, FlightPhase.LANDED)
CAPSULE_PHASES = frozenset(CAPSULE_ORDER)
"""The suit's phases once the capsule has left the rocket, in the order it goes through them."""
ABORT_EVENTS = frozenset({EventType.ABORT, EventType.EJECTION})
CAPSULE_EVENTS = {
    EventType.EJECTION: FlightPhase.ABORT,
    EventType.DROGUE_DEPLOYED: FlightPhase.PARACHUTES,
    EventType.MAIN_DEPLOYED: FlightPhase.PARACHUTES,
    EventType.CAPSULE_LANDED: FlightPhase.LANDED,
}
"""The capsule's phase after each of the suit's own events."""
ROCKET = "rocket"
CAPSULE = "capsule"


def shown_state(state: str | None, detail: str, aborted: bool) -> str | None:
    """The state the header shows."""
    if state is None or state in ENDED:
        return state
    if aborted:
        return ABORT
    if state == MissionState.FLYING and detail.startswith(HOLD_DETAIL):
        return HOLD
    return state


@dataclass
class Header:
    """One mission's header; a new mission starts a new one."""

    state: str | None = None
    detail: str = ""
    phase: FlightPhase | None = None
    """The stack's phase: Command's or the rocket's own, whichever moved last."""
    crew_phase: FlightPhase | None = None
    """The suit's own phase."""
    aborted: bool = False
    _status_phase: FlightPhase | None = None

    @property
    def crew_vehicle(self) -> str:
        """What the crew rides: the rocket, or the capsule after an abort."""
        return CAPSULE if self.aborted else ROCKET

    def shown(self) -> dict[str, Any]:
        return {
            "state": shown_state(self.state, self.detail, self.aborted),
            "phase": self.shown_phase(),
            "crew": self.crew_vehicle,
        }

    def shown_phase(self) -> FlightPhase | None:
        if not self.aborted:
            return self.phase
        if self.crew_phase in CAPSULE_PHASES or self.crew_phase is FlightPhase.DESTROYED:
            return self.crew_phase
        return FlightPhase.ABORT  # still aboard, or not heard from since

    def on_status(self, status: MissionStatus) -> None:
        self.state, self.detail = status.state, status.detail
        if status.phase != self._status_phase:
            self._status_phase = self.phase = status.phase
            self._capsule(status.phase)
        if status.state is MissionState.ABORTED:
            self.aborted = True

    def on_event(self, event: MissionEvent) -> None:
        if not may_report(event.source, event.event):
            return
        if event.event in ABORT_EVENTS:
            self.aborted = True
        capsule = CAPSULE_EVENTS.get(event.event)
        if capsule is not None:
            self._capsule(capsule)

    def on_rocket(self, phase: FlightPhase) -> None:
        self.phase = phase

    def on_suit(self, phase: FlightPhase) -> None:
        if phase in CAPSULE_PHASES:
            self._capsule(phase)
        elif self.crew_phase not in CAPSULE_PHASES or phase is FlightPhase.DESTROYED:
            self.crew_phase = phase

    def _capsule(self, phase: FlightPhase) -> None:
        """The capsule is in ``phase`` (or further on): the mission has aborted."""
        if phase not in CAPSULE_PHASES:
            return
        self.aborted = True
        if self.crew_phase in CAPSULE_PHASES:
            phase = max(self.crew_phase, phase, key=CAPSULE_ORDER.index)
        self.crew_phase = phase
