"""``marsy serve launchpad``."""

from __future__ import annotations

import threading

from ground.launchpad.app import create_app
from ground.launchpad.pad import Launchpad
from ground.runtime import GroundBus
from ground.web import HttpServer
from marsy.protocol import Device
from marsy.settings import GroundSettings


def run(settings: GroundSettings, stop: threading.Event) -> None:
    bus = GroundBus(settings, "launchpad")
    bus.subscribe(bus.topics.presence(Device.ROCKET))
    bus.subscribe(bus.topics.mission_status)
    pad = Launchpad(bus)
    server = HttpServer(create_app(settings, pad), settings.http_host, settings.http_port)
    bus.start()
    server.start()
    while not stop.is_set():
        message = bus.next(timeout=0.5)
        if message is not None:
            pad.observe(message)
    server.stop()
    bus.stop()
