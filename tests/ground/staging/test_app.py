"""The staging API through its Flask factory and test client: open status, a manual separation
that needs a token and a valid body, and 409 with the reason for a step out of order."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from ground.staging.app import create_app
from ground.staging.rules import FIGURES, WATCHED, StagingCriteria, propose
from ground.steering.steps import Steps
from marsy.protocol import CommandAction, EventType, FlightPhase
from marsy.settings import GroundSettings
from tests.ground.steering.building import steps_of
from tests.ground.steering.messages import ack, event, rocket, status

TOKENS = {"operator": "op-secret"}
AUTH = {"Authorization": "Bearer op-secret"}
STAGE = {"mission_id": "M1", "reason": "engine out"}


@pytest.fixture
def steps(tmp_path: Path) -> Iterator[Steps]:
    criteria = StagingCriteria()
    with steps_of(
        "staging",
        tmp_path,
        lambda view, orders: propose(view, orders, criteria),
        watched=WATCHED,
        figures=FIGURES,
    ) as made:
        yield made


@pytest.fixture
def client(tmp_path: Path, steps: Steps) -> Iterator[FlaskClient]:
    settings = GroundSettings.load(state_dir=tmp_path, api_tokens=TOKENS)
    app = create_app(settings, steps, lambda: {"service": "staging"}, answer_wait=0.0)
    with app.test_client() as client:
        yield client


def error(response: Any) -> dict[str, Any]:
    envelope: dict[str, Any] = response.get_json()["error"]
    assert envelope["status"] == response.status_code
    return envelope


def test_status_is_open_and_follows_the_mission(client: FlaskClient, steps: Steps) -> None:
    assert client.get("/status").get_json()["mission_id"] is None
    steps.observe(status("M1"))
    steps.observe(rocket("M1", FlightPhase.ASCENT, 60.0, fuel_stage1=42.0, mach=2.0))
    shown = client.get("/status").get_json()
    assert (shown["service"], shown["mission_id"], shown["mission_state"]) == (
        "staging",
        "M1",
        "flying",
    )
    assert shown["rocket"]["phase"] == "ascent"
    assert shown["rocket"]["values"] == {"fuel_stage1": 42.0}
    assert shown["orders"] == []


def test_staging_by_hand_needs_a_token(client: FlaskClient) -> None:
    assert error(client.post("/stage", json=STAGE))["code"] == "unauthenticated"
    wrong = client.post("/stage", json=STAGE, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401


@pytest.mark.parametrize(
    ("sent", "field"),
    [
        ({"reason": "engine out"}, "mission_id"),
        ({"mission_id": "has spaces", "reason": "x"}, "mission_id"),
        ({"mission_id": "M1", "reason": ""}, "reason"),
        ({**STAGE, "force": "maybe"}, "force"),
        ({**STAGE, "urgent": True}, "urgent"),
    ],
)
def test_a_bad_body_is_422_naming_the_field(
    client: FlaskClient, sent: dict[str, Any], field: str
) -> None:
    response = client.post("/stage", json=sent, headers=AUTH)
    assert response.status_code == 422
    assert error(response)["field"] == field


def test_not_json_is_400(client: FlaskClient) -> None:
    response = client.post("/stage", data=b"{nope", content_type="application/json", headers=AUTH)
    assert response.status_code == 400 and error(response)["field"] == "<body>"


def test_out_of_order_is_409_with_the_reason(client: FlaskClient, steps: Steps) -> None:
    refused = error(client.post("/stage", json=STAGE, headers=AUTH))
    assert (refused["code"], refused["message"]) == ("out_of_order", "no mission announced")
    steps.observe(status("M1"))
    steps.observe(rocket("M1", FlightPhase.PAD, 0.0, fuel_stage1=100.0))
    refused = error(client.post("/stage", json=STAGE, headers=AUTH))
    assert refused["message"] == "no stage separation in phase pad"
    other = error(client.post("/stage", json={**STAGE, "mission_id": "M0"}, headers=AUTH))
    assert other["message"] == "mission M0 is not the current one (M1)"
    steps.observe(event("M1", EventType.STAGE_SEPARATION))
    steps.observe(rocket("M1", FlightPhase.COAST, 125.0, fuel_stage1=0.0))
    refused = error(client.post("/stage", json=STAGE, headers=AUTH))
    assert (refused["status"], refused["message"]) == (409, "the stages are already separated")


def test_a_manual_separation_is_placed_once(client: FlaskClient, steps: Steps) -> None:
    steps.observe(status("M1"))
    steps.observe(rocket("M1", FlightPhase.ASCENT, 80.0, fuel_stage1=7.9))
    placed = client.post("/stage", json=STAGE, headers=AUTH)
    assert placed.status_code == 202, "the rocket has not answered yet"
    order = placed.get_json()
    assert (order["step"], order["origin"], order["outcome"]) == ("separate", "operator", "pending")
    assert (order["forced"], order["why"]) == (False, "manual order: engine out")
    again = error(client.post("/stage", json=STAGE, headers=AUTH))
    assert again["status"] == 409 and "already ordered" in again["message"]
    (pending,) = steps.due().pending
    steps.settle(pending, ack("M1", pending.command_id, CommandAction.SEPARATE))
    assert client.get("/status").get_json()["orders"][0]["outcome"] == "accepted"
    done = error(client.post("/stage", json=STAGE, headers=AUTH))
    assert done["message"] == "the stages are already separated"


def test_an_early_separation_is_409_naming_the_rule_unless_forced_with_a_reason(
    client: FlaskClient, steps: Steps
) -> None:
    steps.observe(status("M1"))
    steps.observe(rocket("M1", FlightPhase.ASCENT, 13.0, fuel_stage1=88.7))
    refused = error(client.post("/stage", json=STAGE, headers=AUTH))
    assert (refused["status"], refused["code"]) == (409, "outside_envelope")
    assert refused["message"].startswith(
        "manual separation outside the envelope: first-stage propellant 88.7 %, not below 8 %"
    )
    assert refused["message"].endswith("send force=true with a reason to override")
    assert steps.status().orders == []
    forced = client.post("/stage", json={**STAGE, "force": True}, headers=AUTH)
    assert forced.status_code == 202
    order = forced.get_json()
    assert (order["origin"], order["forced"]) == ("operator", True)
    assert order["why"].endswith("): engine out")
    (announced,) = steps.due().manual
    assert announced.forced and announced.command_id == order["command_id"]


def test_openapi_describes_the_protected_stage_call(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").get_json()
    assert spec["paths"]["/stage"]["post"]["security"] == [{"bearer": []}]
    assert "security" not in spec["paths"]["/status"]["get"]
