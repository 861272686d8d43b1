"""``marsy serve command``."""

from __future__ import annotations

import threading

from ground.command.app import create_app
from ground.command.director import Director
from ground.command.peers import Peer
from ground.command.store import MissionStore
from ground.runtime import GroundBus
from ground.web import HttpServer
from marsy.protocol import Channel
from marsy.settings import GroundSettings, SettingsError

OBSERVED = (
    Channel.EVENTS,
    Channel.ERRORS,
    Channel.LOGS,
    Channel.COMMAND,
    Channel.ACK,
    Channel.WEBCAST,
)


def run(settings: GroundSettings, stop: threading.Event) -> None:
    missing = {"weather", "launchpad"} - set(settings.services)
    if missing:
        raise SettingsError(f"services: command needs the URL of {', '.join(sorted(missing))}")
    bus = GroundBus(settings, "command", see_acks=True)
    for channel in OBSERVED:
        bus.subscribe(bus.topics.channel_filter(channel))
    store = MissionStore(settings.state_dir / "command" / "missions.db")
    director = Director(
        bus,
        store,
        Peer("weather", settings.services["weather"], settings.token),
        Peer("launchpad", settings.services["launchpad"], settings.token),
        now=bus.clock.now,
    )
    latest = store.missions()
    if latest:
        bus.mission_id = latest[-1].mission_id  # after a restart, keep following it
    server = HttpServer(
        create_app(settings, director, store), settings.http_host, settings.http_port
    )
    bus.start()
    director.resume()
    server.start()
    while not stop.is_set():
        message = bus.next(timeout=0.5)
        if message is not None:
            director.observe(message)
    server.stop()
    bus.stop()
    store.close()
