"""``marsy serve staging``: the staging service's process, its collaborators wired together.

One MQTT connection (fixed client id, persistent session), the order store in
``{state_dir}/staging/``, the core with staging's rules, the bus loop that sends the orders,
and the threaded HTTP server.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict
from typing import Any

from ground.runtime import GroundBus
from ground.staging.app import create_app
from ground.staging.rules import FIGURES, SPECS, WATCHED, StagingCriteria, propose
from ground.steering.config import load_criteria
from ground.steering.steering import Steering
from ground.steering.steps import Steps
from ground.steering.store import OrderStore
from ground.web import HttpServer
from marsy.protocol import Device, EventType, Service
from marsy.settings import GroundSettings

logger = logging.getLogger(__name__)

NAME = str(Service.STAGING)
CRITERIA_FILE = "staging.toml"
LINES = {EventType.STAGE_SEPARATION: "Stage separation confirmed: the booster is on its own."}


class Staging:
    """:meth:`start`, then :meth:`stop`; ``url`` is where the API is served."""

    def __init__(
        self,
        settings: GroundSettings,
        *,
        criteria: StagingCriteria | None = None,
        answer_wait: float = 5.0,
    ) -> None:
        rules = criteria or load_criteria(settings.state_dir / CRITERIA_FILE, StagingCriteria)
        self.criteria = rules
        self.store = OrderStore(settings.state_dir / NAME / "orders.db")
        self.bus = GroundBus(settings, NAME)
        self.steps = Steps(
            NAME,
            self.store,
            lambda view, orders: propose(view, orders, rules),
            self.bus.clock,
            watched=WATCHED,
            figures=FIGURES,
        )
        self.steering = Steering(self.bus, self.steps, SPECS, milestone_lines=LINES)
        app = create_app(settings, self.steps, self.health, answer_wait=answer_wait)
        self.http = HttpServer(app, settings.http_host, settings.http_port)
        self._stop = threading.Event()
        self._loop = threading.Thread(
            target=self.steering.run, args=(self._stop,), name="staging-loop", daemon=True
        )

    @property
    def url(self) -> str:
        return self.http.url

    def health(self) -> dict[str, Any]:
        return {
            "service": NAME,
            "status": "ok",
            "mqtt_connected": self.bus.bus.connected.is_set(),
            "mission_id": self.steps.mission_id,
            "malformed": self.bus.malformed,
            "steering": asdict(self.steering.stats),
        }

    def start(self) -> None:
        self.steering.subscribe([Device.ROCKET])
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


def run(settings: GroundSettings, stop: threading.Event) -> None:
    """Serve until ``stop`` is set."""
    staging = Staging(settings)
    staging.start()
    logger.info("staging at %s: %s", staging.url, staging.criteria)
    try:
        stop.wait()
    finally:
        staging.stop()
