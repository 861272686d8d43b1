"""``marsy serve launchpad``: the pad on the bus and its API, in the shape every ground service
has (:mod:`ground.service_skeleton`); the bus loop tells the pad what the rocket says and
reads."""

from __future__ import annotations

import threading

from ground.launchpad.app import create_app
from ground.launchpad.pad import Launchpad
from ground.launchpad.weather import WeatherGate
from ground.runtime import GroundBus
from ground.service_skeleton import Skeleton, serve
from marsy.protocol import Channel, Device
from marsy.settings import GroundSettings, SettingsError


def run(settings: GroundSettings, stop: threading.Event) -> None:
    weather = settings.services.get("weather")
    if weather is None:
        raise SettingsError(
            "services: launchpad needs the URL of weather (no ignition without its go)"
        )
    service = Skeleton("launchpad")
    bus = service.part(GroundBus(settings, "launchpad"))
    bus.subscribe(bus.topics.presence(Device.ROCKET))
    bus.subscribe(bus.topics.mission_status)
    # only the newest readings count: QoS 0, nothing queued while the pad is away
    bus.bus.subscribe(bus.topics.topic(Channel.TELEMETRY, Device.ROCKET), qos=0)
    pad = Launchpad(bus, WeatherGate(weather).verdict)
    service.http(create_app(settings, pad), settings)
    serve(service, stop, lambda stopping: bus.feed(pad.observe, stopping))
