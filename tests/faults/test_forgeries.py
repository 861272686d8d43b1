"""The attacker's messages, against the contract: which spellings the origin check refuses, and
which pass it and must be judged by the consumer's own rules."""

from __future__ import annotations

import pytest

from marsy.protocol import (
    CommandAck,
    CommandAction,
    ContractError,
    Device,
    DeviceTelemetry,
    EventType,
    MissionEvent,
    Topics,
    decode_delivery,
)
from marsy_sim.forgeries import (
    MARK,
    Envelope,
    Forgery,
    forged_events,
    forged_refusals,
    forged_telemetry,
)

TOPICS = Topics("marsy")
ENVELOPE = Envelope("M1", 7, 1.7e9)


def passing(forgeries: list[Forgery]) -> list[Forgery]:
    """The forgeries the contract lets through (the ACL still stops other topics' ones)."""
    kept = []
    for forgery in forgeries:
        try:
            decode_delivery(TOPICS, forgery.topic, forgery.payload)
        except ContractError:
            continue
        kept.append(forgery)
    return kept


def satellite_topics(forgeries: list[Forgery]) -> list[Forgery]:
    return [f for f in forgeries if f.topic.endswith("/satellite")]


def test_an_abort_in_the_rockets_name_is_refused_unless_it_claims_nothing_of_the_rocket() -> None:
    forgeries = forged_events(TOPICS, ENVELOPE, [(EventType.ABORT, Device.ROCKET)])
    assert [f.topic for f in forgeries] == [
        "marsy/events/satellite",
        "marsy/events/satellite",
        "marsy/events/satellite",
        "marsy/events/rocket",  # the ACL refuses this one
    ]
    (through,) = passing(satellite_topics(forgeries))
    message = decode_delivery(TOPICS, through.topic, through.payload)
    assert isinstance(message, MissionEvent)
    assert (message.source, message.device, message.event) == ("satellite", None, "abort")
    assert MARK in message.detail


def test_the_satellites_own_word_has_one_spelling_which_the_contract_lets_through() -> None:
    """Said in the satellite's own name, its release passes every origin check: only the
    consumers' table of prerequisites can refuse it, when it comes before staging."""
    claims = [
        (EventType.PAYLOAD_DETACHED, Device.SATELLITE),
        (EventType.BOOSTER_LOST, Device.BOOSTER),
    ]
    forgeries = forged_events(TOPICS, ENVELOPE, claims)
    assert len(forgeries) == 1 + 4
    through = passing(satellite_topics(forgeries))
    assert [f.what for f in through] == [
        "payload_detached in its own name as the satellite",
        "booster_lost in the satellite's name, no device named",
    ]
    released = decode_delivery(TOPICS, through[0].topic, through[0].payload)
    assert isinstance(released, MissionEvent)
    assert (released.source, released.device) == ("satellite", "satellite")


def test_rocket_telemetry_from_the_satellite_is_refused_its_own_jump_is_not() -> None:
    forgeries = forged_telemetry(TOPICS, Envelope("M1", 10**12, 1.7e9))
    assert len(forgeries) == 3 + 1
    (through,) = passing(satellite_topics(forgeries))
    message = decode_delivery(TOPICS, through.topic, through.payload)
    assert isinstance(message, DeviceTelemetry)
    assert (message.source, message.device, message.seq) == ("satellite", "satellite", 10**12)


@pytest.mark.parametrize("addressed", [Device.ROCKET, Device.SATELLITE])
def test_a_forged_refusal_carries_the_orders_command_id(addressed: Device) -> None:
    forgeries = forged_refusals(
        TOPICS, ENVELOPE, "payload-detach-0123456789", addressed, CommandAction.DETACH
    )
    for forgery in passing(satellite_topics(forgeries)):
        ack = decode_delivery(TOPICS, forgery.topic, forgery.payload)
        assert isinstance(ack, CommandAck)
        assert ack.source == ack.device == "satellite"
        assert (ack.command_id, ack.accepted) == ("payload-detach-0123456789", False)
    assert len(passing(satellite_topics(forgeries))) == 1
