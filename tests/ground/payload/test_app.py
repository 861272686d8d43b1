"""The payload API through its Flask factory and test client: no detach before the stage
separation (409 with the reason), credentials and a valid body required, and the rocket's
answer carried back."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from ground.payload.app import create_app
from ground.payload.rules import FIGURES, NOT_STAGED, WATCHED, DetachCriteria, propose
from ground.steering.steps import Steps
from ground.steering.store import Order, Outcome
from marsy.protocol import CommandAction, EventType, FlightPhase
from marsy.settings import GroundSettings
from tests.ground.steering.building import steps_of
from tests.ground.steering.messages import ack, event, rocket, status
from tests.waiting import wait_for

TOKENS = {"operator": "op-secret"}
AUTH = {"Authorization": "Bearer op-secret"}
DETACH = {"mission_id": "M1", "reason": "early release"}
ORBIT = {"apoapsis": 205_400.0, "periapsis": 196_200.0, "altitude": 199_900.0}


@pytest.fixture
def steps(tmp_path: Path) -> Iterator[Steps]:
    criteria = DetachCriteria()
    with steps_of(
        "payload",
        tmp_path,
        lambda view, orders: propose(view, orders, criteria),
        watched=WATCHED,
        figures=FIGURES,
    ) as made:
        yield made


def app_for(tmp_path: Path, steps: Steps, answer_wait: float = 0.0) -> Flask:
    settings = GroundSettings.load(state_dir=tmp_path, api_tokens=TOKENS)
    health = {"service": "payload", "ledger": []}
    return create_app(settings, steps, DetachCriteria(), lambda: health, answer_wait=answer_wait)


def error(response: Any) -> dict[str, Any]:
    envelope: dict[str, Any] = response.get_json()["error"]
    assert envelope["status"] == response.status_code
    return envelope


def in_orbit(steps: Steps, staged: bool) -> None:
    steps.observe(status("M1"))
    if staged:
        steps.observe(event("M1", EventType.STAGE_SEPARATION))
    steps.observe(rocket("M1", FlightPhase.ORBIT, 460.0, **ORBIT))


def test_no_detach_before_stage_separation(tmp_path: Path, steps: Steps) -> None:
    in_orbit(steps, staged=False)
    with app_for(tmp_path, steps).test_client() as client:
        response = client.post("/detach", json=DETACH, headers=AUTH)
        assert response.status_code == 409
        assert error(response) == {
            "status": 409,
            "code": "out_of_order",
            "message": NOT_STAGED,
        }
        assert client.get("/status").get_json()["orders"] == []


def test_detaching_needs_a_token_and_a_valid_body(tmp_path: Path, steps: Steps) -> None:
    with app_for(tmp_path, steps).test_client() as client:
        assert client.post("/detach", json=DETACH).status_code == 401
        missing = client.post("/detach", json={"mission_id": "M1"}, headers=AUTH)
        assert missing.status_code == 422 and error(missing)["field"] == "reason"
        typed = client.post("/detach", json={**DETACH, "mission_id": 7}, headers=AUTH)
        assert typed.status_code == 422 and error(typed)["field"] == "mission_id"
        assert client.get("/health").get_json() == {"service": "payload", "ledger": []}


def test_a_detach_in_orbit_after_staging_carries_the_rockets_answer(
    tmp_path: Path, steps: Steps
) -> None:
    in_orbit(steps, staged=True)

    def rocket_answers(accepted: bool, reason: str) -> threading.Thread:
        def answer() -> None:
            order = wait_for(pending_detach, 5, "the operator's detach order", interval=0.01)
            assert order is not None
            steps.settle(order, ack("M1", order.command_id, CommandAction.DETACH, accepted, reason))

        def pending_detach() -> Order | None:
            order = steps.latest("detach")
            return order if order is not None and order.outcome is Outcome.PENDING else None

        thread = threading.Thread(target=answer, daemon=True)
        thread.start()
        return thread

    with app_for(tmp_path, steps, answer_wait=5.0).test_client() as client:
        answering = rocket_answers(False, "the board did not answer")
        refused = error(client.post("/detach", json=DETACH, headers=AUTH))
        answering.join(5)
        assert (refused["code"], refused["message"]) == (
            "refused",
            "the rocket refused the detach: the board did not answer",
        )
        answering = rocket_answers(True, "payload detached")
        done = client.post("/detach", json=DETACH, headers=AUTH)
        answering.join(5)
        assert done.status_code == 200
        order = done.get_json()
        assert (order["attempt"], order["outcome"]) == (2, "accepted")
        again = error(client.post("/detach", json=DETACH, headers=AUTH))
        assert again["message"] == "the payload is already detached"
        shown = client.get("/status").get_json()
        assert [o["outcome"] for o in shown["orders"]] == ["refused", "accepted"]
        assert set(shown["milestones"]) == {"stage_separation"}


def test_a_detach_short_of_the_orbit_is_409_naming_the_rule_unless_forced(
    tmp_path: Path, steps: Steps
) -> None:
    steps.observe(status("M1"))
    steps.observe(event("M1", EventType.STAGE_SEPARATION))
    steps.observe(rocket("M1", FlightPhase.UPPER_STAGE, 300.0, periapsis=-900_000.0))
    with app_for(tmp_path, steps).test_client() as client:
        refused = error(client.post("/detach", json=DETACH, headers=AUTH))
        assert (refused["status"], refused["code"]) == (409, "outside_envelope")
        assert refused["message"].startswith(
            "manual detach outside the envelope: target orbit not reached (rocket in phase "
            "upper_stage, periapsis -900 km below the 150 km target)"
        )
        assert client.get("/status").get_json()["orders"] == []
        forced = client.post("/detach", json={**DETACH, "force": True}, headers=AUTH)
        assert forced.status_code == 202
        order = forced.get_json()
        assert order["forced"] and order["why"].endswith("): early release")
