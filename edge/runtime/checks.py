"""Whether a command from the bus is one to act on: pure checks of its time and its mission.

The agent judges every new command here before its device's phase rules
(:meth:`edge.runtime.behaviour.Behaviour.refuse`). The times are mission seconds on the agent's
own clock, the one its staleness bound is counted on: under a warped simulation clock a command
stamped a wall second ahead is ``warp`` mission seconds ahead.
"""

from __future__ import annotations

from marsy.protocol import DeviceCommand
from marsy.protocol.commanding import (
    ANSWERED_FOR_ANY_MISSION,
    COMMAND_CLOCK_SKEW,
    OPENS_A_MISSION,
    STANDBY,
)


def timing_refusal(
    command: DeviceCommand, now: float, ttl: float, skew: float = COMMAND_CLOCK_SKEW
) -> str | None:
    """Why ``command`` is out of time at mission time ``now``: issued more than ``ttl`` seconds
    ago (stale), or stamped more than ``skew`` seconds ahead (from the future); else ``None``."""
    age = now - command.ts
    if age > ttl:
        return f"stale: issued {age:.0f} s ago (limit {ttl:.0f} s)"
    if -age > skew:
        return (
            f"from the future: stamped {-age:.0f} s ahead of the device's clock (limit {skew:g} s)"
        )
    return None


def mission_refusal(command: DeviceCommand, flying: str) -> str | None:
    """Why ``command`` is not for the mission the device flies (``flying``, or
    :data:`~marsy.protocol.commanding.STANDBY` before any was announced); else ``None``.

    A status question is answered for any mission; in standby the launch is taken for the
    mission it names, since the ignition is what makes it the device's mission."""
    if command.mission_id == flying or command.action in ANSWERED_FOR_ANY_MISSION:
        return None
    if flying == STANDBY:
        if command.action in OPENS_A_MISSION:
            return None
        return (
            f"no mission announced yet: {command.action} for mission {command.mission_id} refused"
        )
    return f"for mission {command.mission_id}, not the one flown ({flying})"
