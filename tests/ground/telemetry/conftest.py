"""A private influxd per test, for the tests that stop it or count what it holds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devservers import LocalInfluxd


@pytest.fixture
def private_influxd(tmp_path: Path) -> Iterator[LocalInfluxd]:
    server = LocalInfluxd(tmp_path / "influxd")
    server.start()
    yield server
    server.stop()
