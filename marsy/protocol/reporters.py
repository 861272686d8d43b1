"""Which device may report which mission event: the vehicle that lives through it.

A vehicle event is evidence only from the board that witnessed it, arriving over that device's
own topic (pinned by the broker's ACL to its login). The table follows what the firmware boards
emit and what the agents add on their own (the rocket raises ``abort`` the instant its board
reports a critical fault). A ground service may announce an event too (Staging echoes the
separation the rocket acked, Command says the mission started): it is the ground's account, not
the vehicle's, and no event is owned by a service here.

Who reads it: Command (milestones, phases, completion, aborts) and anyone else who must tell a
vehicle's own word from an echo or a forgery.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from marsy.protocol.enums import Device, EventType, FlightPhase

_ROCKET = frozenset({Device.ROCKET})
_BOOSTER = frozenset({Device.BOOSTER})
_SATELLITE = frozenset({Device.SATELLITE})
_SUIT = frozenset({Device.SUIT})

EVENT_REPORTERS: Mapping[EventType, frozenset[Device]] = MappingProxyType(
    {
        # the rocket's flight computer: its own ascent, staging and orbit
        EventType.LIFTOFF: _ROCKET,
        EventType.MAX_Q: _ROCKET,
        EventType.THROTTLE_DOWN: _ROCKET,
        EventType.THROTTLE_UP: _ROCKET,
        EventType.MECO: _ROCKET,
        EventType.STAGE_SEPARATION: _ROCKET,
        EventType.SECO: _ROCKET,
        EventType.ORBIT: _ROCKET,
        # the rocket's faults and end: its board, and the agent's own abort on a critical one
        EventType.ENGINE_FAILURE: _ROCKET,
        EventType.EXPLOSION_IMMINENT: _ROCKET,
        EventType.ABORT: _ROCKET,
        EventType.SELF_DESTRUCT: _ROCKET,
        EventType.EXPLOSION: _ROCKET,
        # the booster after separation: its burns home and its end
        EventType.BOOSTBACK_BURN: _BOOSTER,
        EventType.ENTRY_BURN: _BOOSTER,
        EventType.LANDING_BURN: _BOOSTER,
        EventType.BOOSTER_LANDED: _BOOSTER,
        EventType.BOOSTER_LOST: _BOOSTER,
        # the satellite, once free
        EventType.PAYLOAD_DETACHED: _SATELLITE,
        # the suit rides the capsule: ejection, parachutes, splashdown
        EventType.EJECTION: _SUIT,
        EventType.DROGUE_DEPLOYED: _SUIT,
        EventType.MAIN_DEPLOYED: _SUIT,
        EventType.CAPSULE_LANDED: _SUIT,
    }
)
"""The devices that may report each vehicle event. Events absent here (mission started,
go/no-go, interview, mission complete) belong to the ground: no device reports them."""

_DEVICES = frozenset(str(device) for device in Device)


def is_vehicle(source: str) -> bool:
    """Whether ``source`` (a topic's publisher) is one of the vehicles' computers."""
    return source in _DEVICES


def may_report(source: str, event: EventType) -> bool:
    """Whether ``event`` from ``source`` is that vehicle's own word: ``source`` must be a
    device listed for the event. A service is never one: its events are the ground's account."""
    return is_vehicle(source) and Device(source) in EVENT_REPORTERS.get(event, frozenset())


RETIRING_EVENTS = frozenset(
    {EventType.BOOSTER_LANDED, EventType.BOOSTER_LOST, EventType.EXPLOSION, EventType.SELF_DESTRUCT}
)
"""Events after which the vehicle that reports them flies no more: believed only from the
vehicle that owns them (:func:`may_report`), never from a ground echo."""
RETIRED_PHASES = frozenset({FlightPhase.LANDED, FlightPhase.DESTROYED})
"""A vehicle reporting one of these is done; the crew is never done (the suit never retires)."""
