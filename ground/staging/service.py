"""``marsy serve staging``: the steering service with staging's rules (see
:mod:`ground.steering.service`); its orders live in ``{state_dir}/staging/``."""

from __future__ import annotations

import threading

from ground.service_skeleton import serve
from ground.staging.app import create_app
from ground.staging.rules import FIGURES, SPECS, WATCHED, StagingCriteria, propose
from ground.steering.config import load_criteria
from ground.steering.service import SteeringService
from marsy.protocol import Device, EventType, Service
from marsy.settings import GroundSettings

NAME = str(Service.STAGING)
CRITERIA_FILE = "staging.toml"
LINES = {EventType.STAGE_SEPARATION: "Stage separation confirmed: the booster is on its own."}


class Staging(SteeringService):
    def __init__(
        self,
        settings: GroundSettings,
        *,
        criteria: StagingCriteria | None = None,
        answer_wait: float = 5.0,
    ) -> None:
        rules = criteria or load_criteria(settings.state_dir / CRITERIA_FILE, StagingCriteria)
        self.criteria = rules
        super().__init__(
            settings,
            NAME,
            propose=lambda view, orders: propose(view, orders, rules),
            specs=SPECS,
            watched=WATCHED,
            figures=FIGURES,
            lines=LINES,
            event_sources=[Device.ROCKET],
            app=lambda steps, health: create_app(
                settings, steps, health, criteria=rules, answer_wait=answer_wait
            ),
        )


def run(settings: GroundSettings, stop: threading.Event) -> None:
    """Serve until ``stop`` is set."""
    staging = Staging(settings)
    serve(staging.skeleton, stop, detail=staging.criteria)
