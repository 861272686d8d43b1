"""``marsy serve payload``: the payload service's process, its two parts side by side.

- the detach: one MQTT connection (client id ``marsy-payload``, presence ``payload``), the order
  store in ``{state_dir}/payload/``, the core with the detach rules and the bus loop that sends
  the order;
- the satellite recorder (:mod:`ground.payload.storage`): its own MQTT session and state folder.

They share nothing but the process and the HTTP server, so either keeps working while the other
waits (on the rocket's answer, on InfluxDB).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict
from typing import Any

from ground.payload.app import create_app
from ground.payload.rules import FIGURES, SPECS, WATCHED, DetachCriteria, propose
from ground.payload.storage import CLIENT_ID, SatelliteStorage
from ground.runtime import GroundBus
from ground.steering.config import load_criteria
from ground.steering.steering import Steering
from ground.steering.steps import Steps
from ground.steering.store import OrderStore
from ground.web import HttpServer
from marsy.protocol import Device, EventType, Service
from marsy.settings import GroundSettings

logger = logging.getLogger(__name__)

NAME = str(Service.PAYLOAD)
CRITERIA_FILE = "payload.toml"
LINES = {
    EventType.STAGE_SEPARATION: "Staging confirmed: the payload waits for the target orbit.",
    EventType.PAYLOAD_DETACHED: "The satellite reports itself free: payload away!",
}


class Payload:
    """:meth:`start`, then :meth:`stop`; ``url`` is where the API is served."""

    def __init__(
        self,
        settings: GroundSettings,
        *,
        criteria: DetachCriteria | None = None,
        answer_wait: float = 5.0,
        recorder_client_id: str | None = None,
    ) -> None:
        rules = criteria or load_criteria(settings.state_dir / CRITERIA_FILE, DetachCriteria)
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
        self.storage = SatelliteStorage(settings, client_id=recorder_client_id or CLIENT_ID)
        app = create_app(settings, self.steps, rules, self.health, answer_wait=answer_wait)
        self.http = HttpServer(app, settings.http_host, settings.http_port)
        self._stop = threading.Event()
        self._loop = threading.Thread(
            target=self.steering.run, args=(self._stop,), name="payload-loop", daemon=True
        )

    @property
    def url(self) -> str:
        return self.http.url

    def health(self) -> dict[str, Any]:
        """Both parts: the detach loop (``steering``) and the recorder (``storage``, whose
        delivery ledger is lifted to ``ledger`` as on the telemetry ingest)."""
        storage = self.storage.health()
        ledger = storage.pop("ledger")
        return {
            "service": NAME,
            "status": "ok",
            "mqtt_connected": self.bus.bus.connected.is_set(),
            "mission_id": self.steps.mission_id,
            "malformed": self.bus.malformed,
            "steering": asdict(self.steering.stats),
            "storage": storage,
            "ledger": ledger,
        }

    def start(self) -> None:
        self.steering.subscribe([Device.ROCKET, Device.SATELLITE])
        self.storage.start()
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
        self.storage.stop()
        self.store.close()


def run(settings: GroundSettings, stop: threading.Event) -> None:
    """Serve until ``stop`` is set."""
    payload = Payload(settings)
    payload.start()
    logger.info("payload at %s: %s", payload.url, payload.criteria)
    try:
        stop.wait()
    finally:
        payload.stop()
