"""What the webcast says about the vehicles themselves. Pure: no bus, no store, no clock.

One line per vehicle event worth telling (Max-Q to splashdown) and one per phase of the
booster's flight home after the separation (coast, entry, landing burn, down), each told once per
mission. A line rests on the vehicle's own word only: an event from the device entitled to report
it (:data:`marsy.protocol.EVENT_REPORTERS`), after the steps it follows
(:data:`marsy.protocol.EVENT_PREREQUISITES`), judged by the steering services' rule
(:func:`ground.steering.flight.vehicle_event`); the booster's phases from its own telemetry once
the stages are apart (before that the booster shares the rocket's phase). A ground service's echo
tells nothing. Lines other services already say are not said again here: Command says the
lift-off, the abort it decides and the holds; Staging and Payload their orders, the acks and the
milestones they steer by (the stage separation, the satellite's release).

The booster's landing is told once, by whichever comes first, its ``booster_landed`` event or its
telemetry phase ``landed`` (the same for its loss, its entry burn and the re-entry it opens, its
landing burn and the phase of that name): each pair shares one key. Once the mission has
aborted (the rocket's own abort, or the capsule's ejection) the ascent's milestones are no
longer news: a Max-Q the rocket reports after the crew has left it is not told.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ground.steering.flight import vehicle_event
from marsy.protocol import (
    EVENT_REPORTERS,
    Device,
    DeviceTelemetry,
    EventType,
    FlightPhase,
    MissionEvent,
)

FOLLOWED = frozenset(EVENT_REPORTERS)
"""Every vehicle event: the told ones and the steps they follow are all believed and kept."""

EVENT_LINES: Mapping[EventType, str] = MappingProxyType(
    {
        EventType.MAX_Q: "Max-Q: the rocket is through the hardest push of the air",
        EventType.MECO: "Main engine cut-off: the first stage has done its work",
        EventType.SECO: "Second engine cut-off",
        EventType.ORBIT: "We are in orbit!",
        EventType.ABORT: "The rocket calls the abort itself: the crew's escape begins",
        EventType.EJECTION: "Capsule ejected: the crew is pulled clear of the rocket",
        EventType.DROGUE_DEPLOYED: "Drogue parachutes out: the capsule is slowing down",
        EventType.MAIN_DEPLOYED: "Main parachutes deployed: a gentle ride down from here",
        EventType.CAPSULE_LANDED: "The capsule is down, the crew is home",
        EventType.BOOSTBACK_BURN: "Boostback burn: the booster pushes back toward the launch site",
        EventType.ENTRY_BURN: "Entry burn: the booster brakes before the thick air",
        EventType.LANDING_BURN: "Landing burn: the booster lights up for touchdown",
        EventType.BOOSTER_LANDED: "The booster has landed!",
        EventType.BOOSTER_LOST: "We have lost the booster",
        EventType.SELF_DESTRUCT: "Flight termination: the rocket's self-destruct has fired",
        EventType.EXPLOSION: "The rocket has exploded",
    }
)
"""The line for each vehicle event worth telling; the vehicle's detail follows after a dash."""
ASCENT_MILESTONES = frozenset(
    {
        EventType.MAX_Q,
        EventType.MECO,
        EventType.SECO,
        EventType.ORBIT,
    }
)
"""Told only while the mission has not aborted."""
ABORTED_BY = frozenset({EventType.ABORT, EventType.EJECTION})

BOOSTER_LINES: Mapping[FlightPhase, str] = MappingProxyType(
    {
        FlightPhase.COAST: "The booster turns for home, coasting back to the landing zone.",
        FlightPhase.REENTRY: "The booster is re-entering the atmosphere.",
        FlightPhase.LANDING_BURN: "Landing burn: the booster lights up for touchdown.",
        FlightPhase.LANDED: "The booster is down on the landing zone!",
        FlightPhase.DESTROYED: "We have lost the booster.",
    }
)
"""The line for each phase of the booster's flight home, from its own telemetry."""

_SAME_AS_EVENT = {
    FlightPhase.REENTRY: EventType.ENTRY_BURN,
    FlightPhase.LANDING_BURN: EventType.LANDING_BURN,
    FlightPhase.LANDED: EventType.BOOSTER_LANDED,
    FlightPhase.DESTROYED: EventType.BOOSTER_LOST,
}


@dataclass(frozen=True)
class Telling:
    """A line to say, and the key that makes it once per mission."""

    key: str
    text: str


def event_key(event: EventType) -> str:
    return f"event:{event}"


def booster_key(phase: FlightPhase) -> str:
    same = _SAME_AS_EVENT.get(phase)
    return event_key(same) if same is not None else f"booster:{phase}"


def believed_event(message: MissionEvent, believed: Collection[EventType]) -> bool:
    """Whether ``message`` is a vehicle's own word, after the steps it follows."""
    return vehicle_event(message, FOLLOWED, believed)


def _with_detail(text: str, detail: str) -> str:
    detail = detail.strip().rstrip(".")
    if not detail:
        return text if text.endswith(("!", ".")) else f"{text}."
    return f"{text.rstrip('.!')} \u2014 {detail}."


def _event_text(message: MissionEvent, believed: Collection[EventType]) -> str:
    text = EVENT_LINES[message.event]
    if message.event is EventType.CAPSULE_LANDED:
        touchdown = "touchdown" in message.detail.lower()
        text = f"{'Touchdown' if touchdown else 'Splashdown'}! {text}"
    elif message.event is EventType.EXPLOSION and EventType.EJECTION in believed:
        text = f"{text}; the crew was already clear"
    return _with_detail(text, message.detail)


def tell_event(
    message: MissionEvent, believed: Collection[EventType], told: Collection[str]
) -> Telling | None:
    """The line for ``message`` if it is worth telling, believed and not told yet this mission.

    ``believed``: the vehicle events of its mission believed before it; ``told``: the keys of
    the lines already said for that mission.
    """
    if message.event not in EVENT_LINES or not believed_event(message, believed):
        return None
    if message.event in ASCENT_MILESTONES and ABORTED_BY & set(believed):
        return None  # the crew has left the rocket: its ascent is no longer the story
    key = event_key(message.event)
    if key in told:
        return None
    return Telling(key, _event_text(message, believed))


def tell_booster(
    sample: DeviceTelemetry, believed: Collection[EventType], told: Collection[str]
) -> Telling | None:
    """The line for the phase the booster's own ``sample`` is in, once the stages are apart."""
    if sample.device is not Device.BOOSTER or sample.source != Device.BOOSTER:
        return None
    if EventType.STAGE_SEPARATION not in believed:
        return None  # still on the stack: its phase is the rocket's
    text = BOOSTER_LINES.get(sample.phase)
    key = booster_key(sample.phase)
    if text is None or key in told:
        return None
    return Telling(key, text)
