"""The attacker's connection against a real Mosquitto: what the broker takes and refuses of a
stolen login, a flood's count, a connection taken over."""

from __future__ import annotations

import threading

import pytest
from pydantic import SecretStr

from devservers import LocalMosquitto
from marsy.protocol import Channel
from marsy_sim.intruder import TAKEN, Intruder, IntruderError

pytestmark = pytest.mark.integration


def test_the_broker_says_which_forgeries_it_took(private_broker: LocalMosquitto) -> None:
    settings = private_broker.settings_for("satellite")
    topics = settings.topics
    intruder = Intruder(settings, "intruder-acl", reconnect=False)
    intruder.connect()
    try:
        verdicts = intruder.send(
            [
                (topics.topic(Channel.TELEMETRY, "satellite"), b"{}"),
                (topics.topic(Channel.TELEMETRY, "rocket"), b"{}"),
                (topics.topic(Channel.EVENTS, "rocket"), b"{}"),
            ]
        )
    finally:
        intruder.close()
    assert verdicts[0] == TAKEN
    assert verdicts[1:] == ["refused by the broker: Not authorized"] * 2


def test_a_flood_is_counted(private_broker: LocalMosquitto) -> None:
    settings = private_broker.settings_for("satellite")
    intruder = Intruder(settings, "intruder-flood")
    intruder.connect()
    try:
        topic = settings.topics.topic(Channel.TELEMETRY, "satellite")
        outcome = intruder.flood(topic, 5000, timeout=30.0, stop=threading.Event())
    finally:
        intruder.close()
    assert (outcome.sent, outcome.taken, outcome.refused, outcome.kicked) == (5000, 5000, 0, 0)
    assert "5000 of 5000 taken by the broker" in str(outcome)


def test_a_second_connection_with_the_same_id_drops_the_first(
    private_broker: LocalMosquitto,
) -> None:
    settings = private_broker.settings_for("satellite")
    first = Intruder(settings, "same-id", clean_start=False, session_expiry=60, reconnect=False)
    first.connect()
    second = Intruder(settings, "same-id", clean_start=False, reconnect=False)
    try:
        holding = threading.Thread(target=lambda: held.append(first.hold(10.0, threading.Event())))
        held: list[float] = []
        holding.start()
        second.connect()
        holding.join(10.0)
        assert held and held[0] < 5.0, "the first connection was dropped, not held"
        assert first.kicked == 1 and not first.connected
        assert second.session_present is True, "the second took over the first one's session"
    finally:
        second.close()
        first.close()


def test_a_wrong_password_is_kept_out(private_broker: LocalMosquitto) -> None:
    settings = private_broker.settings_for("satellite").model_copy(
        update={"password": SecretStr("not-the-password")}
    )
    with pytest.raises(IntruderError, match="not let in"):
        Intruder(settings, "intruder-locked-out", reconnect=False).connect(timeout=2.0)
