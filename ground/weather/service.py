"""``marsy serve weather``: the weather service's process.

It needs no broker: Command asks it over REST, so a go/no-go poll works even while MQTT is down.
The source is the script in ``{state_dir}/weather.toml`` when there is one (the simulation puts
it there), the ``calm`` script otherwise.
"""

from __future__ import annotations

import logging
import threading

from ground.weather.app import create_app
from ground.weather.source import SCRIPTS, ScriptedSource, load_script
from ground.weather.station import Station
from ground.web import HttpServer
from marsy.settings import GroundSettings

logger = logging.getLogger(__name__)

SCRIPT_FILE = "weather.toml"


def source_for(settings: GroundSettings) -> ScriptedSource:
    """The scripted source this installation plays, with its zero at the shared clock epoch
    when there is one (a simulation), so every process agrees on when the front arrives."""
    path = settings.state_dir / SCRIPT_FILE
    script = load_script(path) if path.is_file() else SCRIPTS["calm"]
    clock = settings.clock.clock()
    start = settings.clock.epoch if settings.clock.epoch > 0 else None
    return ScriptedSource(script, clock, start)


def run(settings: GroundSettings, stop: threading.Event) -> None:
    """Serve until ``stop`` is set."""
    station = Station(source_for(settings), settings.clock.clock())
    server = HttpServer(create_app(settings, station), settings.http_host, settings.http_port)
    server.start()
    logger.info("weather from %s at %s", station.source.name, server.url)
    try:
        stop.wait()
    finally:
        server.stop()
