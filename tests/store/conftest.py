"""The store's tests run against influxd and against the embedded store.

``influx_server`` (set up as deployed: the databases, one user per role) and ``influx_http``
(its admin's client, and so ``database``) are parametrized by ``store_kind``: the ids read
``test_...[influxd]`` and ``test_...[embedded]``. Each kind has one session-wide server. A test
reading influxd's own statistics (``SHOW STATS``), which the embedded store does not keep, runs
on influxd only. A missing server fails the test; it never skips.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devservers.embedded.tsdb.instance import EmbeddedInfluxd
from devservers.influx_admin import InfluxAdmin
from marsy.store import InfluxHttp

INFLUXD_ONLY = frozenset({"test_latest_window_cost_does_not_grow_with_history"})


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if {"influx_http", "influx_server"} & set(metafunc.fixturenames):
        only_influxd = metafunc.function.__name__ in INFLUXD_ONLY
        metafunc.parametrize("store_kind", ["influxd"] if only_influxd else ["influxd", "embedded"])


@pytest.fixture(scope="session")
def embedded_influxd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedInfluxd]:
    server = EmbeddedInfluxd(tmp_path_factory.mktemp("embedded-tsdb"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def influx_server(request: pytest.FixtureRequest, store_kind: str) -> InfluxAdmin:
    server: InfluxAdmin = request.getfixturevalue(
        "influxd" if store_kind == "influxd" else "embedded_influxd"
    )
    return server


@pytest.fixture
def influx_http(influx_server: InfluxAdmin) -> Iterator[InfluxHttp]:
    settings = influx_server.settings()
    http = InfluxHttp(settings.url, username=settings.username, password=settings.password)
    yield http
    http.close()
