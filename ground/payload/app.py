"""The payload service's HTTP API.

- ``GET /status`` (open): the mission, the rocket's orbit figures, whether staging is confirmed
  and the payload away, and every detach order with the rocket's answer;
- ``POST /detach`` (bearer token): detach the payload now, for the mission named in the body.
  409 ``no payload detach before stage separation`` until the rocket reported the separation
  (and 409 with the reason for any other step out of order), 409 ``outside_envelope`` short of
  the target orbit unless ``force`` is sent with the reason; otherwise the order after a short
  wait for the rocket's answer: 200 once acknowledged, 202 while it has not answered yet.
- ``GET /health``: the detach loop's and the satellite recorder's counters, with its ledger.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask

from ground.payload.rules import DetachCriteria, manual_detach
from ground.steering.app import create_steering_app
from ground.steering.steps import Steps
from marsy.settings import GroundSettings


def create_app(
    settings: GroundSettings,
    steps: Steps,
    criteria: DetachCriteria,
    health: Callable[[], Mapping[str, Any]],
    *,
    answer_wait: float = 5.0,
) -> Flask:
    return create_steering_app(
        settings,
        steps,
        health,
        name="payload",
        path="/detach",
        what="detach",
        manual=lambda view, orders, mission_id, reason, force: manual_detach(
            view, orders, mission_id, reason, criteria, force=force
        ),
        answer_wait=answer_wait,
    )
