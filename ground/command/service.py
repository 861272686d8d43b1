"""``marsy serve command``: the mission store, the bus, the director and the API, in the shape
every ground service has (:mod:`ground.service_skeleton`); the bus loop hands every message to
the director."""

from __future__ import annotations

import threading

from ground.command.app import create_app
from ground.command.director import Director
from ground.command.peers import Peer
from ground.command.store import MissionStore
from ground.runtime import GroundBus
from ground.service_skeleton import Skeleton, serve
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
    service = Skeleton("command")
    store = service.closing(MissionStore(settings.state_dir / "command" / "missions.db"))
    bus = service.part(GroundBus(settings, "command", see_acks=True))
    for channel in OBSERVED:
        bus.subscribe(bus.topics.channel_filter(channel))
    director = Director(
        bus,
        store,
        Peer("weather", settings.services["weather"], settings.token),
        Peer("launchpad", settings.services["launchpad"], settings.token),
        now=bus.clock.now,
        window=settings.launch_window,
        every=settings.go_no_go_interval,
    )
    latest = store.missions()
    if latest:
        bus.mission_id = latest[-1].mission_id  # after a restart, keep following it
    service.add("director", start=director.resume)
    service.http(create_app(settings, director, store), settings)
    service.loop("holds", director.holds)
    serve(service, stop, lambda stopping: bus.feed(director.observe, stopping))
