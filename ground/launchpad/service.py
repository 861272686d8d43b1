"""``marsy serve launchpad``."""

from __future__ import annotations

import threading

from ground.launchpad.app import create_app
from ground.launchpad.pad import Launchpad
from ground.launchpad.weather import WeatherGate
from ground.runtime import GroundBus
from ground.web import HttpServer
from marsy.protocol import Device
from marsy.settings import GroundSettings, SettingsError


def run(settings: GroundSettings, stop: threading.Event) -> None:
    weather = settings.services.get("weather")
    if weather is None:
        raise SettingsError(
            "services: launchpad needs the URL of weather (no ignition without its go)"
        )
    bus = GroundBus(settings, "launchpad")
    bus.subscribe(bus.topics.presence(Device.ROCKET))
    bus.subscribe(bus.topics.mission_status)
    pad = Launchpad(bus, WeatherGate(weather).verdict)
    server = HttpServer(create_app(settings, pad), settings.http_host, settings.http_port)
    bus.start()
    server.start()
    while not stop.is_set():
        message = bus.next(timeout=0.5)
        if message is not None:
            pad.observe(message)
    server.stop()
    bus.stop()
