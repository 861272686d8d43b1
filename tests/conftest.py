"""Shared fixtures: real Mosquitto and influxd on free localhost ports, stopped after the run.

A missing server binary fails the test with what to install; it never skips.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devservers import LocalInfluxd, LocalMosquitto
from devservers.accounts import BrokerAccounts
from marsy.mqtt import MqttBus
from marsy.store import InfluxHttp


def pytest_configure(config: pytest.Config) -> None:
    """Parallel workers draw server ports from disjoint slices (see ``free_port``)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = os.environ.get("PYTEST_XDIST_WORKER_COUNT")
    if worker.startswith("gw") and count:
        os.environ["MARSY_PORT_SLICE"] = f"{int(worker[2:])}/{count}"


@pytest.fixture
def topic_root() -> str:
    """A topic root of this test's own, so tests sharing a broker cannot see each other."""
    return f"t{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def shared_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalMosquitto]:
    """One broker for the tests that do not stop or restart it."""
    broker = LocalMosquitto(tmp_path_factory.mktemp("mosquitto"))
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def broker(shared_broker: LocalMosquitto, topic_root: str) -> LocalMosquitto:
    """The shared broker, seen through this test's own topic root."""
    shared_broker.topic_root = topic_root
    return shared_broker


@pytest.fixture
def private_broker(tmp_path: Path, topic_root: str) -> Iterator[LocalMosquitto]:
    """A broker of this test alone, which the test may kill and restart."""
    broker = LocalMosquitto(tmp_path / "mosquitto", topic_root=topic_root)
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def bus_factory() -> Iterator[Callable[..., MqttBus]]:
    """``bus_factory(broker, role, **kw)``: a bus under a fresh login of ``role``
    (``rocket.3f9a0c1e``), stopped when the test ends.

    The client id is the login, so two buses of one login would take each other's session
    over, and a login reused on the session-wide broker would inherit an earlier test's queue.
    """
    made: list[MqttBus] = []

    def make(broker: BrokerAccounts, role: str, **kw: object) -> MqttBus:
        bus = MqttBus(broker.settings_for(broker.add_login(role)), **kw)  # type: ignore[arg-type]
        made.append(bus)
        return bus

    yield make
    for bus in made:
        bus.stop(timeout=1.0)


@pytest.fixture(scope="session")
def influxd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalInfluxd]:
    """influxd set up as deployed: the ``flight`` and ``payload`` databases, one user per role
    (``influxd.settings_for(user)``); ``influxd.settings()`` is the admin, for set-up only."""
    server = LocalInfluxd(tmp_path_factory.mktemp("influxd"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def influx_http(influxd: LocalInfluxd) -> Iterator[InfluxHttp]:
    """The admin's client: tests make and drop databases of their own with it."""
    settings = influxd.settings()
    http = InfluxHttp(settings.url, username=settings.username, password=settings.password)
    yield http
    http.close()


@pytest.fixture
def database(influx_http: InfluxHttp) -> Iterator[str]:
    """A database of this test's own, dropped afterwards."""
    name = f"test_{uuid.uuid4().hex[:10]}"
    influx_http.create_database(name)
    yield name
    influx_http.query(f'DROP DATABASE "{name}"')
