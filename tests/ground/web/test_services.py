"""Every ground service's app states the statuses its routes answer, and answers no other.

The layer reports a status a route did not declare (:class:`ground.web.UndeclaredStatus`, an
error under the tests), so every test of a service's app in this process checks its contract;
here, each app's description is read and the answers that only the services' process tests
produced so far (Command's 201 and 409, the launch's 409 and 504) are given in process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask

from ground.calculator.service import create_app as calculator_app
from ground.command.app import create_app as command_app
from ground.command.director import Refused
from ground.command.store import Mission, MissionStore
from ground.devices import NoAnswer
from ground.ingest.service import create_app as ingest_app
from ground.launchpad.app import create_app as launchpad_app
from ground.launchpad.pad import Launchpad
from ground.launchpad.weather import WeatherVerdict
from ground.payload.app import create_app as payload_app
from ground.payload.rules import FIGURES as PAYLOAD_FIGURES
from ground.payload.rules import WATCHED as PAYLOAD_WATCHED
from ground.payload.rules import DetachCriteria
from ground.staging.app import create_app as staging_app
from ground.staging.rules import FIGURES as STAGING_FIGURES
from ground.staging.rules import WATCHED as STAGING_WATCHED
from ground.weather.app import create_app as weather_app
from ground.weather.source import SCRIPTS, ScriptedSource
from ground.weather.station import Station
from ground.webcaster.app import create_app as webcaster_app
from ground.webcaster.store import TranscriptStore
from ground.webcaster.stream import Hub
from ground.webcaster.view import LiveView
from marsy.clock import MissionClock
from marsy.protocol import FlightPhase, MissionState
from marsy.settings import GroundSettings
from tests.ground.steering.building import steps_of

TOKENS = {"operator": "op-secret", "command": "cmd-secret"}


def auth(caller: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[caller]}"}


class OneAtATime:
    """Command's director as far as its API sees it: one mission at a time, no poll."""

    def __init__(self, store: MissionStore) -> None:
        self.store = store

    def start(self, scenario: str) -> Mission:
        flying = self.store.flying()
        if flying is not None:
            raise Refused(f"mission {flying.mission_id} is flying")
        mission = Mission("M1", scenario, MissionState.FLYING, FlightPhase.PAD, 0.0, None, "")
        self.store.create(mission)
        return mission


class Rocket:
    """The launchpad's bus as far as an ignition goes: a rocket that accepts, or is silent."""

    def __init__(self) -> None:
        self.commander = self
        self.mission_id: str | None = None
        self.silent = False

    def request(self, mission_id: str, *args: Any, **kwargs: Any) -> SimpleNamespace:
        if self.silent:
            raise NoAnswer(f"the rocket did not acknowledge the ignition of {mission_id}")
        return SimpleNamespace(accepted=True, reason="ignition")

    def log(self, *args: Any) -> None:
        pass


@pytest.fixture
def rocket() -> Rocket:
    return Rocket()


@pytest.fixture
def apps(tmp_path: Path, rocket: Rocket) -> Iterator[dict[str, Flask]]:
    settings = GroundSettings.load(state_dir=tmp_path, api_tokens=TOKENS)
    clock = MissionClock()
    missions = MissionStore(tmp_path / "command.db")
    transcripts = TranscriptStore(tmp_path / "webcast.db")
    health: Callable[[], dict[str, Any]] = dict
    nothing: Any = None
    with (
        steps_of(
            "staging",
            tmp_path / "s",
            lambda v, o: None,
            watched=STAGING_WATCHED,
            figures=STAGING_FIGURES,
        ) as staging,
        steps_of(
            "payload",
            tmp_path / "p",
            lambda v, o: None,
            watched=PAYLOAD_WATCHED,
            figures=PAYLOAD_FIGURES,
        ) as payload,
    ):
        yield {
            "command": command_app(settings, OneAtATime(missions), missions),
            "launchpad": launchpad_app(
                settings,
                Launchpad(rocket, lambda: WeatherVerdict(True, [])),
            ),
            "weather": weather_app(
                settings, Station(ScriptedSource(SCRIPTS["calm"], clock), clock)
            ),
            "staging": staging_app(settings, staging, health),
            "payload": payload_app(settings, payload, DetachCriteria(), health),
            "webcaster": webcaster_app(settings, Hub(LiveView()), transcripts, health),
            "calculator": calculator_app(nothing, clock, nothing),
            "telemetry": ingest_app("telemetry", SimpleNamespace(health=dict)),
        }
    missions.close()
    transcripts.close()


def declared(app: Flask) -> dict[tuple[str, str], set[int]]:
    spec = app.test_client().get("/openapi.json").get_json()
    return {
        (method.upper(), path): {int(status) for status in operation["responses"]}
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
    }


MUST = {
    ("command", "POST", "/missions"): {201, 409, 401, 422},
    ("command", "GET", "/missions/{mission_id}"): {200, 404},
    ("launchpad", "POST", "/launch"): {200, 409, 504, 401, 403},
    ("launchpad", "GET", "/rocket-check"): {200},
    ("weather", "PUT", "/conditions"): {200, 401, 403, 415, 422},
    ("staging", "POST", "/stage"): {200, 202, 409},
    ("payload", "POST", "/detach"): {200, 202, 409},
    ("webcaster", "GET", "/missions/{mission_id}/transcript"): {200, 404},
    ("calculator", "GET", "/health"): {200},
    ("telemetry", "GET", "/health"): {200},
}


def test_every_route_of_every_service_states_its_statuses(apps: dict[str, Flask]) -> None:
    for service, app in apps.items():
        for (method, path), statuses in declared(app).items():
            where = f"{service} {method} {path}"
            assert {413, 500} <= statuses, where
            assert any(200 <= s < 300 for s in statuses), where
    for (service, method, path), statuses in MUST.items():
        assert statuses <= declared(apps[service])[(method, path)], (service, method, path)
    assert 200 not in declared(apps["command"])[("POST", "/missions")], "a new mission is 201"


def test_command_answers_201_then_409_while_a_mission_flies(apps: dict[str, Flask]) -> None:
    client = apps["command"].test_client()
    started = client.post("/missions", json={}, headers=auth("operator"))
    assert started.status_code == 201 and started.get_json()["mission_id"] == "M1"
    again = client.post("/missions", json={}, headers=auth("operator"))
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "mission_flying")
    assert client.get("/missions/none-such").status_code == 404


def test_the_launch_answers_504_without_the_rockets_answer_then_200_then_409(
    apps: dict[str, Flask], rocket: Rocket
) -> None:
    client = apps["launchpad"].test_client()
    order = {"mission_id": "M1"}
    rocket.silent = True
    silent = client.post("/launch", json=order, headers=auth("command"))
    assert (silent.status_code, silent.get_json()["error"]["code"]) == (504, "no_answer")
    rocket.silent = False
    assert client.post("/launch", json=order, headers=auth("command")).status_code == 200
    twice = client.post("/launch", json=order, headers=auth("command"))
    assert (twice.status_code, twice.get_json()["error"]["code"]) == (409, "refused")


def test_the_launch_on_a_weather_no_go_is_409(tmp_path: Path, rocket: Rocket) -> None:
    settings = GroundSettings.load(state_dir=tmp_path, api_tokens=TOKENS)
    pad = Launchpad(rocket, lambda: WeatherVerdict(False, ["wind 25 m/s over 15"]))
    client = launchpad_app(settings, pad).test_client()
    refused = client.post("/launch", json={"mission_id": "M1"}, headers=auth("command"))
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (409, "weather_no_go")
