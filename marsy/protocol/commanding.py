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

STANDBY = "standby"
"""The mission id of a device or service that has heard of no mission yet (no retained
mission status): what it stamps on its messages, and what a device flies until told."""

COMMAND_CLOCK_SKEW = 5.0
"""Mission seconds a command's timestamp may be ahead of the device's clock.

A command is stamped with the sender's mission time and judged on the device's (the same clock
in a warped simulation: both derive it from one epoch and warp; deployed, NTP keeps hosts well
within a second). A command from further ahead is refused: its staleness could never be judged
(it would count as fresh until its stamp came round), so it is no order the ground gave now."""

ANSWERED_FOR_ANY_MISSION: frozenset[CommandAction] = frozenset({CommandAction.STATUS})
"""Actions a device answers whatever mission they name: a question changes nothing, and the
launchpad may ask it before the mission status reached it."""

OPENS_A_MISSION: frozenset[CommandAction] = frozenset({CommandAction.IGNITE})
"""Actions a device in standby takes for the mission they name: the launch carries the mission
id. Every other order for a mission the device does not fly is refused."""
