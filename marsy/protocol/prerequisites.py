"""Which vehicle events must have been believed before another can be: mission steps happen in
order or not at all.

An event is believable only once the body that reports it, or the phase it belongs to, exists:

- the booster flies on its own (burns for home, lands, or is lost) only after the stage
  separation;
- the upper stage's cut-off (SECO) and its orbit come after the separation that lit it;
- the satellite is released only from an upper stage whose engines are off: the payload service
  orders the detach in orbit, or coasting above the target periapsis
  (``ground/payload/rules.py``), and both come after the cut-off; the rocket's ``orbit`` is not
  required, since the ground may detach in a coast above its target that the rocket's own
  threshold does not call an orbit;
- the capsule's parachutes and its landing come after the ejection.

Lift-off and the first stage's own events need nothing believed first: the stack is on the pad
from the start, the rocket says them on its own topic in its own order, and a service that joins
during the ascent must still believe the separation. The emergencies and the ends (engine
failure, explosion imminent, abort, ejection, self-destruct, explosion) need nothing either: a
pad abort or a pad explosion is real, and a vehicle's own alarm is never refused for a step the
ground did not see. Drogues are not required before the mains: the mains are the backup when
the drogues fail.

A device saying its own event out of order is what this table refuses: a stolen satellite login
saying ``payload_detached`` before the stages are apart is not believed, while the real release
later is. Who reads it: Command (events believed, completion), the steering services (their
milestones) and the webcaster (the interview after the payload's release).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from types import MappingProxyType

from marsy.protocol.enums import EventType

_SEPARATED = frozenset({EventType.STAGE_SEPARATION})
_EJECTED = frozenset({EventType.EJECTION})

EVENT_PREREQUISITES: Mapping[EventType, frozenset[EventType]] = MappingProxyType(
    {
        # the upper stage burns after the separation, and reaches orbit at its cut-off
        EventType.SECO: _SEPARATED,
        EventType.ORBIT: frozenset({EventType.SECO}),
        # the booster flies its own way home once apart: its burns, its landing or its loss
        EventType.BOOSTBACK_BURN: _SEPARATED,
        EventType.ENTRY_BURN: _SEPARATED,
        EventType.LANDING_BURN: _SEPARATED,
        EventType.BOOSTER_LANDED: _SEPARATED,
        EventType.BOOSTER_LOST: _SEPARATED,
        # the satellite leaves a separated upper stage whose engines are off
        EventType.PAYLOAD_DETACHED: frozenset({EventType.STAGE_SEPARATION, EventType.SECO}),
        # the capsule's descent follows its ejection
        EventType.DROGUE_DEPLOYED: _EJECTED,
        EventType.MAIN_DEPLOYED: _EJECTED,
        EventType.CAPSULE_LANDED: _EJECTED,
    }
)
"""The vehicle events that must all have been believed this mission before each event is.
Events absent here need nothing believed before them."""


def unmet(event: EventType, believed: Collection[EventType]) -> tuple[EventType, ...]:
    """The prerequisites of ``event`` not in ``believed``, in flight order (empty: believable)."""
    needed = EVENT_PREREQUISITES.get(event, frozenset())
    return tuple(step for step in EventType if step in needed and step not in believed)


def believable(event: EventType, believed: Collection[EventType]) -> bool:
    """Whether ``event`` may be believed after the vehicle events ``believed`` this mission."""
    return not unmet(event, believed)


def prerequisites_of(events: Iterable[EventType]) -> frozenset[EventType]:
    """Every event that must come before any of ``events``, however indirectly: what a consumer
    must follow to judge them (a steering service watching the release also watches the
    separation and the cut-off)."""
    found: set[EventType] = set()
    todo = list(events)
    while todo:
        for step in EVENT_PREREQUISITES.get(todo.pop(), frozenset()):
            if step not in found:
                found.add(step)
                todo.append(step)
    return frozenset(found)
