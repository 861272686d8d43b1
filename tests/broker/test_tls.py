"""The broker's TLS listener against a real Mosquitto: who gets in, and who does not.

The ACL itself is tested on the plain listener in tests/mqtt/test_bus.py; here only what TLS
changes: the certificate check on both sides, and that the same ACL holds behind TLS.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devservers import LocalMosquitto
from devservers.certs import make_certificates
from marsy.mqtt import MqttBus, NotConnected
from marsy.protocol import Channel
from marsy.settings import MqttSettings, TlsSettings
from tests.broker.checks import assert_rocket_confined

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def tls_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalMosquitto]:
    broker = LocalMosquitto(tmp_path_factory.mktemp("tls-broker"), tls=True)
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def buses() -> Iterator[list[MqttBus]]:
    made: list[MqttBus] = []
    yield made
    for bus in made:
        bus.stop(timeout=1.0)


def connect(buses: list[MqttBus], settings: MqttSettings, wait: float = 5.0) -> MqttBus:
    bus = MqttBus(settings)
    buses.append(bus)
    bus.start(wait=wait)
    return bus


def test_a_client_trusting_the_ca_gets_in_and_the_acl_still_holds(
    tls_broker: LocalMosquitto, buses: list[MqttBus]
) -> None:
    observer = MqttBus(tls_broker.tls_settings_for("observer"))
    buses.append(observer)
    topics = observer.topics
    observer.subscribe(topics.channel_filter(Channel.TELEMETRY))
    observer.start()
    rocket = connect(buses, tls_broker.tls_settings_for("rocket"))
    assert_rocket_confined(rocket, observer, "tls1")


def test_a_plain_client_is_refused_on_the_tls_listener(
    tls_broker: LocalMosquitto, buses: list[MqttBus]
) -> None:
    assert tls_broker.tls_port is not None
    plain = tls_broker.settings_for("rocket", port=tls_broker.tls_port)
    with pytest.raises(NotConnected):
        connect(buses, plain, wait=1.0)


# paho-mqtt leaves the socket of a failed TLS handshake for the garbage collector to close.
@pytest.mark.filterwarnings(
    "ignore:Exception ignored in. <ssl.SSLSocket:pytest.PytestUnraisableExceptionWarning"
)
def test_a_client_trusting_another_ca_is_refused(
    tls_broker: LocalMosquitto, buses: list[MqttBus], tmp_path: Path
) -> None:
    stranger = make_certificates(tmp_path / "other-ca")
    settings = tls_broker.tls_settings_for("rocket", tls=TlsSettings(ca_file=stranger.ca_cert))
    with pytest.raises(NotConnected):
        connect(buses, settings, wait=1.0)


def test_anonymous_is_refused_on_the_tls_listener(
    tls_broker: LocalMosquitto, buses: list[MqttBus]
) -> None:
    anonymous = tls_broker.tls_settings_for("rocket", username=None, password=None)
    with pytest.raises(NotConnected):
        connect(buses, anonymous, wait=1.0)
    wrong = tls_broker.tls_settings_for("rocket", password="guess")
    with pytest.raises(NotConnected):
        connect(buses, wrong, wait=1.0)
