"""The process of a steering service (staging, payload), its collaborators wired together.

One MQTT connection (fixed client id, persistent session), the order store in
``{state_dir}/<name>/``, the core with the service's rules, the bus loop that sends the orders
until answered, and the threaded HTTP server: the parts of a
:class:`~ground.service_skeleton.Skeleton`, so they start, serve and stop as every ground
service does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict
from typing import Any

from flask import Flask

from ground.runtime import GroundBus
from ground.service_skeleton import Part, Skeleton
from ground.steering.steering import Steering
from ground.steering.steps import Rules, Steps, StepSpec
from ground.steering.store import OrderStore
from marsy.protocol import Device, EventType
from marsy.settings import GroundSettings

AppFactory = Callable[[Steps, Callable[[], Mapping[str, Any]]], Flask]

LOOP_JOIN = 10.0
"""Wall seconds the stop waits for the bus loop (it may be waiting on a device's answer)."""


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
        beside: Iterable[Part] = (),
    ) -> None:
        """``beside``: parts of the same process that share nothing with the steering (the
        payload's satellite recorder); they start before it and stop after it."""
        self.name = name
        self.skeleton = Skeleton(name)
        for part in beside:
            self.skeleton.part(part)
        self.store = self.skeleton.closing(OrderStore(settings.state_dir / name / "orders.db"))
        self.bus = self.skeleton.part(GroundBus(settings, name))
        self.steps = Steps(
            name, self.store, propose, self.bus.clock, watched=watched, figures=figures
        )
        self.steering = Steering(self.bus, self.steps, specs, milestone_lines=lines)
        self.steering.subscribe(event_sources)
        self.skeleton.loop("loop", self.steering.run, join_timeout=LOOP_JOIN)
        self.http = self.skeleton.http(app(self.steps, self.health), settings)

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
        self.skeleton.start()

    def stop(self) -> None:
        """Stop everything, the bus loop first; a second call does nothing."""
        self.skeleton.stop()
