"""Every MQTT test runs twice: against Mosquitto and against the embedded broker.

``broker`` and ``private_broker`` are parametrized by one ``broker_kind``, so a test that uses
both gets the same kind for each; the ids read ``test_...[mosquitto]`` and
``test_...[embedded]``. Each kind has one shared session-wide instance, seen by each test
through its own topic root, and a private instance per test for those that stop or restart
it. A missing server fails the test; it never skips.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devservers import LocalMosquitto
from devservers.embedded.broker.instance import EmbeddedBroker

AnyBroker = LocalMosquitto | EmbeddedBroker

KINDS = {"mosquitto": LocalMosquitto, "embedded": EmbeddedBroker}


@pytest.fixture(params=list(KINDS))
def broker_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture(scope="session")
def shared_embedded_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    """One embedded broker for the tests that do not stop or restart it."""
    broker = EmbeddedBroker(tmp_path_factory.mktemp("embedded-broker"))
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def broker(request: pytest.FixtureRequest, broker_kind: str, topic_root: str) -> AnyBroker:
    """The shared broker of this kind, seen through this test's own topic root."""
    name = "shared_broker" if broker_kind == "mosquitto" else "shared_embedded_broker"
    shared: AnyBroker = request.getfixturevalue(name)
    shared.topic_root = topic_root
    return shared


@pytest.fixture
def private_broker(broker_kind: str, tmp_path: Path, topic_root: str) -> Iterator[AnyBroker]:
    """A broker of this kind and this test alone, which the test may kill and restart."""
    broker = KINDS[broker_kind](tmp_path / broker_kind, topic_root=topic_root)
    broker.start()
    yield broker
    broker.stop()
