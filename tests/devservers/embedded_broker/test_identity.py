"""Client ids bound to logins on the embedded broker, as on Mosquitto (tests/broker): no login
takes over another's session, and a login added while it runs (SIGHUP) works at once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devservers.embedded.broker.instance import EmbeddedBroker
from marsy.mqtt import MqttBus, NotConnected
from marsy.protocol import Channel
from tests.broker.checks import assert_rocket_confined
from tests.broker.takeover import assert_no_takeover

pytestmark = pytest.mark.integration


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[EmbeddedBroker]:
    broker = EmbeddedBroker(tmp_path / "embedded", topic_root="t")
    broker.start()
    yield broker
    broker.stop()


def test_an_impostor_cannot_take_the_ingests_session(embedded: EmbeddedBroker) -> None:
    assert_no_takeover(embedded)


def test_a_login_added_at_run_time_has_its_roles_rights(embedded: EmbeddedBroker) -> None:
    stranger = embedded.settings_for("rocket", username="rocket.later")
    with pytest.raises(NotConnected):
        MqttBus(stranger).start(wait=1.0)
    login = embedded.add_login("rocket", "later")
    rocket = MqttBus(embedded.settings_for(login))
    telemetry = MqttBus(embedded.settings_for(embedded.add_login("telemetry")))
    telemetry.subscribe(telemetry.topics.channel_filter(Channel.TELEMETRY))
    try:
        telemetry.start()
        rocket.start()
        assert rocket.client_id == "rocket.later"
        assert_rocket_confined(rocket, telemetry, "added")
    finally:
        rocket.stop(timeout=1)
        telemetry.stop(timeout=1)
