"""``marsy serve telemetry``: the flight recorder."""

from __future__ import annotations

import threading

from ground.ingest.service import run_recorder
from ground.telemetry.routes import filters, flight_route
from marsy.settings import GroundSettings


def run(settings: GroundSettings, stop: threading.Event) -> None:
    influx = settings.influx
    run_recorder(
        "telemetry",
        settings,
        flight_route(influx),
        filters(settings.mqtt.topics),
        [influx.flight_db],  # satellite data are the payload service's to write
        stop,
    )
