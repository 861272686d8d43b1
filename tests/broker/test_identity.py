"""Client ids bound to logins on a real Mosquitto: no login takes over another's session, and a
login added while the broker runs works at once."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from devservers import LocalMosquitto
from marsy.logins import PAYLOAD_RECORDER
from marsy.mqtt import MqttBus
from marsy.protocol import Channel
from tests.broker.checks import assert_rocket_confined
from tests.broker.takeover import assert_no_takeover

pytestmark = pytest.mark.integration


def test_an_impostor_cannot_take_the_ingests_session(private_broker: LocalMosquitto) -> None:
    assert_no_takeover(private_broker)


def test_a_login_added_at_run_time_has_its_roles_rights(
    broker: LocalMosquitto, bus_factory: Callable[..., MqttBus]
) -> None:
    rocket = bus_factory(broker, "rocket")
    telemetry = bus_factory(broker, "telemetry")
    assert rocket.client_id.startswith("rocket.") and telemetry.client_id.startswith("telemetry.")
    telemetry.subscribe(telemetry.topics.channel_filter(Channel.TELEMETRY))
    telemetry.start()
    rocket.start()
    assert_rocket_confined(rocket, telemetry, "added")


def test_a_services_second_login_does_not_kick_its_first(broker: LocalMosquitto) -> None:
    recorder = MqttBus(broker.settings_for(PAYLOAD_RECORDER))
    payload = MqttBus(broker.settings_for("payload"))
    try:
        recorder.start()
        payload.start()
        assert recorder.stats.disconnects == payload.stats.disconnects == 0
        assert recorder.connected.is_set() and payload.connected.is_set()
    finally:
        recorder.stop(timeout=1)
        payload.stop(timeout=1)
