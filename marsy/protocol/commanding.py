"""When the rocket accepts each command: part of its command interface, so the agent that
refuses a command out of phase and the ground service that decides when to send it read the
same table."""

from __future__ import annotations

from collections.abc import Mapping

from marsy.protocol.enums import CommandAction, FlightPhase

_POWERED = frozenset({FlightPhase.ASCENT, FlightPhase.MAX_Q, FlightPhase.UPPER_STAGE})
_GONE = frozenset({FlightPhase.DESTROYED, FlightPhase.LANDED})

ROCKET_ACCEPTS: Mapping[CommandAction, frozenset[FlightPhase]] = {
    CommandAction.IGNITE: frozenset({FlightPhase.PAD}),
    CommandAction.THROTTLE: _POWERED,
    # first-stage flight, or coasting after its cut-off
    CommandAction.SEPARATE: frozenset({FlightPhase.ASCENT, FlightPhase.MAX_Q, FlightPhase.COAST}),
    CommandAction.DETACH: frozenset(
        {FlightPhase.UPPER_STAGE, FlightPhase.COAST, FlightPhase.ORBIT}
    ),
    CommandAction.DESTRUCT: frozenset(FlightPhase) - {FlightPhase.PAD} - _GONE,
}
"""Phases in which the rocket carries out each phase-bound command (STATUS is always
answered; other actions are refused in every phase not listed)."""
