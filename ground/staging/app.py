"""The staging service's HTTP API: ``GET /status``; ``POST /stage`` (bearer token) separates the
stages now, for the mission named in the body: 409 with the reason when the flight does not
allow it or it was ordered already, 409 ``outside_envelope`` with propellant left before the
cut-off unless ``force`` is sent; otherwise the order after a short wait for the rocket's
answer (200 acknowledged, 202 not yet answered)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask

from ground.staging.rules import StagingCriteria, manual_separation
from ground.steering.app import create_steering_app
from ground.steering.steps import Steps
from marsy.settings import GroundSettings


def create_app(
    settings: GroundSettings,
    steps: Steps,
    health: Callable[[], Mapping[str, Any]],
    *,
    criteria: StagingCriteria | None = None,
    answer_wait: float = 5.0,
) -> Flask:
    """``criteria``: the envelope a manual separation keeps to unless forced (the rules')."""
    rules = criteria or StagingCriteria()
    return create_steering_app(
        settings,
        steps,
        health,
        name="staging",
        path="/stage",
        what="separation",
        manual=lambda view, orders, mission_id, reason, force: manual_separation(
            view, orders, mission_id, reason, rules, force=force
        ),
        answer_wait=answer_wait,
    )
