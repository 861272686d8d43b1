"""``marsy serve telemetry``: the flight recorder, alone or as ``--workers N`` processes sharing
the flight's topics (an MQTT 5 shared subscription, :mod:`ground.ingest.workers`)."""

from __future__ import annotations

import threading

from ground.ingest.service import run_recorder
from ground.ingest.service import run_workers as run_recorder_workers
from ground.ingest.workers import Command
from ground.telemetry.routes import filters, flight_route
from marsy.protocol.topics import INGEST_GROUP
from marsy.settings import GroundSettings

NAME = "telemetry"


def run(settings: GroundSettings, stop: threading.Event, *, worker: int | None = None) -> None:
    """The recorder alone, or worker ``worker`` of several."""
    influx = settings.influx
    run_recorder(
        NAME,
        settings,
        flight_route(influx),
        filters(settings.mqtt.topics),
        [influx.flight_db],  # satellite data are the payload service's to write
        stop,
        group=INGEST_GROUP,
        worker=worker,
    )


def run_workers(
    settings: GroundSettings, stop: threading.Event, count: int, command: Command
) -> None:
    """``count`` workers, each ``command(index, port)``, and the ``/health`` of them all."""
    route, topics = flight_route(settings.influx), filters(settings.mqtt.topics)
    run_recorder_workers(NAME, settings, count, command, stop, route=route, filters=topics)
