"""The weather service through its Flask factory and test client, and as a process."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from devservers import free_port
from ground.weather import service
from ground.weather.app import create_app
from ground.weather.playing import PLAYING_FILE, Playing, save
from ground.weather.source import SCRIPTS, THUNDERSTORM, ScriptedSource
from ground.weather.station import Station
from marsy.clock import MissionClock
from marsy.settings import GroundSettings
from tests.waiting import wait_for

TOKENS = {"operator": "op-secret", "command": "cmd-secret"}
STORM = {
    "wind_speed": 17.0,
    "wind_gust": 26.0,
    "precipitation": 8.0,
    "lightning_distance": 6.0,
    "temperature": 14.0,
}


def settings(tmp_path: Path, **extra: Any) -> GroundSettings:
    return GroundSettings.load(state_dir=tmp_path, api_tokens=TOKENS, **extra)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[FlaskClient]:
    clock = MissionClock()
    station = Station(ScriptedSource(SCRIPTS["calm"], clock), clock)
    app = create_app(settings(tmp_path), station)
    with app.test_client() as client:
        yield client


def auth(caller: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[caller]}"}


def test_calm_conditions_are_go(client: FlaskClient) -> None:
    reading = client.get("/conditions").get_json()
    assert reading["source"] == "script:calm"
    assert reading["conditions"]["lightning_distance"] is None
    verdict = client.get("/go").get_json()
    assert verdict["go"] is True and verdict["reasons"] == []
    assert verdict["conditions"] == reading["conditions"]


def test_an_operator_forces_a_no_go_with_every_reason(client: FlaskClient) -> None:
    put = client.put("/conditions", json=STORM, headers=auth("operator"))
    assert put.status_code == 200
    assert put.get_json()["source"] == "operator:operator"
    verdict = client.get("/go").get_json()
    assert verdict["go"] is False
    assert [r["rule"] for r in verdict["reasons"]] == ["wind", "gust", "precipitation", "lightning"]
    assert verdict["conditions"] == STORM
    assert client.delete("/conditions", headers=auth("operator")).status_code == 200
    assert client.get("/go").get_json()["go"] is True


def error(response: Any) -> dict[str, Any]:
    envelope: dict[str, Any] = response.get_json()["error"]
    assert envelope["status"] == response.status_code
    return envelope


def test_setting_conditions_needs_an_operators_token(client: FlaskClient) -> None:
    assert error(client.put("/conditions", json=STORM))["code"] == "unauthenticated"
    wrong = client.put("/conditions", json=STORM, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    forbidden = client.put("/conditions", json=STORM, headers=auth("command"))
    assert forbidden.status_code == 403
    assert "command" in error(forbidden)["message"]
    assert client.delete("/conditions", headers=auth("command")).status_code == 403
    assert client.get("/conditions").get_json()["source"] == "script:calm"


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        (b"{not json", 400, "<body>"),
        (b"[1, 2]", 400, "<body>"),
        (json.dumps({**STORM, "wind_speed": -3}).encode(), 422, "wind_speed"),
        (json.dumps({**STORM, "temperature": "warm"}).encode(), 422, "temperature"),
        (
            json.dumps({k: v for k, v in STORM.items() if k != "precipitation"}).encode(),
            422,
            "precipitation",
        ),
        (json.dumps({**STORM, "wind_gust": 10.0}).encode(), 422, "wind_gust"),
        (json.dumps({**STORM, "humidity": 80}).encode(), 422, "humidity"),
    ],
)
def test_a_bad_body_names_the_field(
    client: FlaskClient, payload: bytes, status: int, field: str
) -> None:
    response = client.put(
        "/conditions", data=payload, content_type="application/json", headers=auth("operator")
    )
    assert response.status_code == status
    assert error(response)["field"] == field
    assert client.get("/conditions").get_json()["source"] == "script:calm"


def test_openapi_describes_the_endpoints(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").get_json()
    assert set(spec["paths"]["/conditions"]) == {"get", "put", "delete"}
    assert spec["paths"]["/conditions"]["put"]["security"] == [{"bearer": []}]
    assert (
        "gust"
        in spec["components"]["schemas"]["Conditions"]["properties"]["wind_gust"]["description"]
    )
    assert "/go" in spec["paths"]


def test_the_service_plays_the_script_in_its_state_dir(tmp_path: Path) -> None:
    (tmp_path / "weather.toml").write_text(
        "name = 'storm'\n[[step]]\nat = 0\n"
        + "".join(f"{key} = {value}\n" for key, value in STORM.items())
    )
    port = free_port()
    stop = threading.Event()
    thread = threading.Thread(
        target=service.run, args=(settings(tmp_path, http_port=port), stop), daemon=True
    )
    thread.start()
    try:

        def go() -> dict[str, Any] | None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/go", timeout=2) as answer:
                    data: dict[str, Any] = json.load(answer)
                    return data
            except OSError:
                return None

        verdict = wait_for(go, 10, "the weather service to answer /go")
        assert verdict is not None
        assert verdict["source"] == "script:storm"
        assert verdict["go"] is False and len(verdict["reasons"]) == 4
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()


def test_an_operator_has_a_script_played_from_now_and_a_restart_goes_on_with_it(
    tmp_path: Path,
) -> None:
    wall = [5000.0]
    clock = MissionClock(wall=lambda: wall[0])
    played: list[Playing] = []
    station = Station(ScriptedSource(SCRIPTS["calm"], clock), clock)
    app = create_app(settings(tmp_path), station, remember=played.append)
    with app.test_client() as client:
        wall[0] += 100.0  # the squall starts when it is played, not at the clock's epoch
        put = client.put("/script", json={"name": "squall"}, headers=auth("operator"))
        assert put.status_code == 200
        assert put.get_json()["source"] == "script:squall"
        assert played == [Playing("squall", 5100.0)]
        held = client.get("/go").get_json()
        assert held["go"] is False
        assert {r["rule"] for r in held["reasons"]} == {
            "wind",
            "gust",
            "precipitation",
            "lightning",
        }
        wall[0] += 44.0
        assert client.get("/go").get_json()["go"] is False
        wall[0] += 1.0
        assert client.get("/go").get_json()["go"] is True, "cleared 45 s after it was played"

        refused = client.put("/script", json={"name": "hurricane"}, headers=auth("operator"))
        assert refused.status_code == 422
        assert error(refused)["field"] == "name"
        assert "calm" in error(refused)["message"] and "storm" in error(refused)["message"]
        assert (
            client.put("/script", json={"name": "storm"}, headers=auth("command")).status_code
            == 403
        )
        assert client.put("/script", json={"name": "storm"}).status_code == 401

    save(tmp_path / PLAYING_FILE, played[-1])
    restarted = service.source_for(settings(tmp_path))
    assert (restarted.name, restarted.start) == ("script:squall", 5100.0)
    (tmp_path / PLAYING_FILE).write_text("{broken")
    assert service.source_for(settings(tmp_path)).name == "script:calm"


def test_a_storm_never_clears() -> None:
    storm = SCRIPTS["storm"]
    for elapsed in (0.0, 60.0, 3600.0, 86_400.0):
        assert storm.at(elapsed) == THUNDERSTORM
