"""``marsy serve weather``: the weather service's process.

It needs no broker: Command asks it over REST, so a go/no-go poll works even while MQTT is down.
The source is the built-in script last played through ``PUT /script`` (kept in
``{state_dir}/weather-playing.json``, so a restart goes on with it), else the script in
``{state_dir}/weather.toml`` when there is one, else the ``calm`` script.
"""

from __future__ import annotations

import threading
from functools import partial

from ground.service_skeleton import Skeleton, serve
from ground.weather.app import create_app
from ground.weather.playing import PLAYING_FILE, load, save
from ground.weather.source import SCRIPTS, ScriptedSource, load_script
from ground.weather.station import Station
from marsy.settings import GroundSettings

SCRIPT_FILE = "weather.toml"


def source_for(settings: GroundSettings) -> ScriptedSource:
    """The scripted source this installation plays: the one last played, from its own start;
    else the file's or ``calm``, with its zero at the shared clock epoch when there is one (a
    simulation), so every process agrees on when the front arrives."""
    clock = settings.clock.clock()
    playing = load(settings.state_dir / PLAYING_FILE)
    if playing is not None and playing.script in SCRIPTS:
        return ScriptedSource(SCRIPTS[playing.script], clock, playing.start)
    path = settings.state_dir / SCRIPT_FILE
    script = load_script(path) if path.is_file() else SCRIPTS["calm"]
    start = settings.clock.epoch if settings.clock.epoch > 0 else None
    return ScriptedSource(script, clock, start)


def run(settings: GroundSettings, stop: threading.Event) -> None:
    """Serve until ``stop`` is set."""
    station = Station(source_for(settings), settings.clock.clock())
    service = Skeleton("weather")
    remember = partial(save, settings.state_dir / PLAYING_FILE)
    service.http(create_app(settings, station, remember=remember), settings)
    serve(service, stop, detail=f"weather from {station.source.name}")
