"""``marsy serve payload``: the payload service's process, its two parts side by side.

- the detach: one MQTT connection (client id ``marsy-payload``, presence ``payload``), the order
  store in ``{state_dir}/payload/``, the core with the detach rules and the bus loop that sends
  the order;
- the satellite recorder (:mod:`ground.payload.storage`): its own MQTT session and state folder.

They share nothing but the process and the HTTP server, so either keeps working while the other
waits (on the rocket's answer, on InfluxDB).
"""

from __future__ import annotations

import threading
from typing import Any

from ground.payload.app import create_app
from ground.payload.rules import FIGURES, SPECS, WATCHED, DetachCriteria, propose
from ground.payload.storage import LOGIN, SatelliteStorage
from ground.service_skeleton import serve
from ground.steering.config import load_criteria
from ground.steering.service import SteeringService
from marsy.protocol import Device, EventType, Service
from marsy.settings import GroundSettings

NAME = str(Service.PAYLOAD)
CRITERIA_FILE = "payload.toml"
LINES = {
    EventType.STAGE_SEPARATION: "Staging confirmed: the payload waits for the target orbit.",
    EventType.PAYLOAD_DETACHED: "The satellite reports itself free: payload away!",
}


class Payload(SteeringService):
    def __init__(
        self,
        settings: GroundSettings,
        *,
        criteria: DetachCriteria | None = None,
        answer_wait: float = 5.0,
        recorder_login: str | None = None,
    ) -> None:
        rules = criteria or load_criteria(settings.state_dir / CRITERIA_FILE, DetachCriteria)
        self.criteria = rules
        self.storage = SatelliteStorage(settings, login=recorder_login or LOGIN)
        super().__init__(
            settings,
            NAME,
            propose=lambda view, orders: propose(view, orders, rules),
            specs=SPECS,
            watched=WATCHED,
            figures=FIGURES,
            lines=LINES,
            event_sources=[Device.ROCKET, Device.SATELLITE],
            app=lambda steps, health: create_app(
                settings, steps, rules, health, answer_wait=answer_wait
            ),
            beside=[self.storage],
        )

    def health(self) -> dict[str, Any]:
        """Both parts: the detach loop (``steering``) and the recorder (``storage``, whose
        delivery ledger is lifted to ``ledger`` as on the telemetry ingest)."""
        storage = self.storage.health()
        ledger = storage.pop("ledger")
        return {**super().health(), "storage": storage, "ledger": ledger}


def run(settings: GroundSettings, stop: threading.Event) -> None:
    """Serve until ``stop`` is set."""
    payload = Payload(settings)
    serve(payload.skeleton, stop, detail=payload.criteria)
