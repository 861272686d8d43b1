"""The process of a steering service (staging, payload), its collaborators wired together.

One MQTT connection (fixed client id, persistent session), the order store in
``{state_dir}/<name>/``, the core with the service's rules, the bus loop that sends the orders
until answered, and the threaded HTTP server.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict
from typing import Any

from flask import Flask

from ground.runtime import GroundBus
from ground.steering.steering import Steering
from ground.steering.steps import Rules, Steps, StepSpec
from ground.steering.store import OrderStore
from ground.web import HttpServer
from marsy.protocol import Device, EventType
from marsy.settings import GroundSettings

logger = logging.getLogger(__name__)

AppFactory = Callable[[Steps, Callable[[], Mapping[str, Any]]], Flask]


class SteeringService:
    """:meth:`start`, then :meth:`stop`; ``url`` is where the API is served."""

    def __init__(
        self,
        settings: GroundSettings,
        name: str,
        *,
        propose: Rules,
        specs: Mapping[str, StepSpec],
        watched: frozenset[EventType],
        figures: tuple[str, ...],
        lines: Mapping[EventType, str],
        event_sources: Iterable[Device],
        app: AppFactory,
    ) -> None:
        self.name = name
        self.event_sources = list(event_sources)
        self.store = OrderStore(settings.state_dir / name / "orders.db")
        self.bus = GroundBus(settings, name)
        self.steps = Steps(
            name, self.store, propose, self.bus.clock, watched=watched, figures=figures
        )
        self.steering = Steering(self.bus, self.steps, specs, milestone_lines=lines)
        self.http = HttpServer(app(self.steps, self.health), settings.http_host, settings.http_port)
        self._stop = threading.Event()
        self._loop = threading.Thread(
            target=self.steering.run, args=(self._stop,), name=f"{name}-loop", daemon=True
        )

    @property
    def url(self) -> str:
        return self.http.url

    def health(self) -> dict[str, Any]:
        return {
            "service": self.name,
            "status": "ok",
            "mqtt_connected": self.bus.bus.connected.is_set(),
            "mission_id": self.steps.mission_id,
            "malformed": self.bus.malformed,
            "steering": asdict(self.steering.stats),
        }

    def start(self) -> None:
        self.steering.subscribe(self.event_sources)
        self.bus.start()  # in the background: the API answers while the broker is away
        self._loop.start()
        self.http.start()

    def stop(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        self._loop.join(timeout=10)
        self.http.stop()
        self.bus.stop()
        self.store.close()


def serve_until(service: SteeringService, stop: threading.Event, detail: object) -> None:
    """Start ``service``, serve until ``stop`` is set, then stop it."""
    service.start()
    logger.info("%s at %s: %s", service.name, service.url, detail)
    try:
        stop.wait()
    finally:
        service.stop()
