"""Servers the simulation is given (``--broker``/``--influx``) instead of starting its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devservers import LocalInfluxd, LocalMosquitto


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[LocalMosquitto, LocalInfluxd]]:
    """A broker and an InfluxDB that run before the simulation and after it."""
    with (
        LocalMosquitto(tmp_path / "broker") as broker,
        LocalInfluxd(tmp_path / "influxd") as influxd,
    ):
        yield broker, influxd
