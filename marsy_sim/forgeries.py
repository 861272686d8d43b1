"""The attacker's messages: what a stolen satellite login can say on the bus (no I/O).

Each forgery is tried in every spelling that could fool a careless consumer: in the name of the
device that owns the claim, on the satellite's own topic (the contract's origin check must
refuse it); in the satellite's name about that device (refused likewise); in the satellite's
name naming no device (the contract lets it pass: the consumer's own rules must not believe
it); and on the owner's topic (the broker's ACL must refuse it). A claim the satellite owns
itself has one spelling, in its own name: the bus cannot tell it from the truth, so it is made
out of order (the payload away before staging), which the consumers' table of prerequisites
refuses. Texts say where they come from, so a log shows the forgery for what it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from marsy.protocol import (
    Channel,
    CommandAck,
    CommandAction,
    Device,
    EventType,
    FlightPhase,
    MissionEvent,
    Topics,
    encode_message,
    measurement,
)
from marsy.protocol.parameters import values_for

ATTACKER = Device.SATELLITE
"""The login every attack of a fault plan uses."""
MARK = "fault plan"
"""Written into every forgery's free text."""

_VALUES: dict[Device, dict[str, float]] = {
    Device.ROCKET: values_for(Device.ROCKET, altitude=12_000.0, velocity=600.0, fuel_stage1=60.0),
    Device.SATELLITE: values_for(Device.SATELLITE, altitude=200_000.0, battery=95.0),
}


@dataclass(frozen=True)
class Forgery:
    what: str
    topic: str
    payload: bytes


@dataclass(frozen=True)
class Envelope:
    """Mission, sequence number and time every forgery of one attack carries."""

    mission_id: str
    seq: int
    ts: float


def _spellings(owner: Device) -> list[tuple[str, Device, Device | None, Device]]:
    """(what, source, device, topic name) for a claim that belongs to ``owner``."""
    if owner is ATTACKER:
        return [(f"in its own name as the {owner}", owner, owner, owner)]
    return [
        (f"in the {owner}'s name on the {ATTACKER}'s topic", owner, owner, ATTACKER),
        (f"for the {owner} in the {ATTACKER}'s name", ATTACKER, owner, ATTACKER),
        (f"in the {ATTACKER}'s name, no device named", ATTACKER, None, ATTACKER),
        (f"on the {owner}'s own topic", owner, owner, owner),
    ]


def forged_events(
    topics: Topics, envelope: Envelope, claims: Iterable[tuple[EventType, Device]]
) -> list[Forgery]:
    """Each ``(event, owner)`` claim in every spelling."""
    forgeries = []
    for event, owner in claims:
        for number, (what, source, device, name) in enumerate(_spellings(owner)):
            message = MissionEvent(
                mission_id=envelope.mission_id,
                source=source,
                seq=envelope.seq + number,
                ts=envelope.ts,
                event=event,
                device=device,
                detail=f"{event} ({MARK})",
            )
            forgeries.append(
                Forgery(
                    f"{event} {what}",
                    topics.topic(Channel.EVENTS, name),
                    encode_message(message),
                )
            )
    return forgeries


def forged_telemetry(topics: Topics, envelope: Envelope) -> list[Forgery]:
    """Rocket telemetry numbered ``envelope.seq`` in every spelling, and the satellite's own
    numbered so (the contract takes it: the ledger must not believe the jump)."""
    forgeries = []
    for owner in (Device.ROCKET, ATTACKER):
        for what, source, device, name in _spellings(owner):
            if device is None:
                continue  # a sample always names its device: the satellite's own is below
            message = measurement(
                device,
                mission_id=envelope.mission_id,
                source=source,
                seq=envelope.seq,
                ts=envelope.ts,
                phase=FlightPhase.ASCENT,
                values=_VALUES[device],
            )
            forgeries.append(
                Forgery(
                    f"{owner} telemetry seq {envelope.seq} {what}",
                    topics.topic(Channel.TELEMETRY, name),
                    encode_message(message),
                )
            )
    return forgeries


def forged_refusals(
    topics: Topics,
    envelope: Envelope,
    command_id: str,
    addressed: Device,
    action: CommandAction,
) -> list[Forgery]:
    """A refusal of command ``command_id`` (addressed to ``addressed``) in every spelling."""
    forgeries = []
    for what, source, device, name in _spellings(addressed):
        ack = CommandAck(
            mission_id=envelope.mission_id,
            source=source,
            seq=envelope.seq,
            ts=envelope.ts,
            command_id=command_id,
            device=device or source,
            action=action,
            accepted=False,
            reason=f"{action} refused: interlock open ({MARK})",
        )
        forgeries.append(
            Forgery(
                f"refusal of {command_id} {what}",
                topics.topic(Channel.ACK, name),
                encode_message(ack),
            )
        )
    return forgeries
