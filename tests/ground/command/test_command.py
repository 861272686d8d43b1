"""Command, weather and launchpad as processes: the go/no-go poll, the launch, the refusals."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from devservers import LocalMosquitto
from marsy.protocol import Device
from tests.edge.conftest import Flight, RunningAgent
from tests.ground.command.conftest import TOKENS, call, url
from tests.ground.conftest import Service
from tests.waiting import wait_for

pytestmark = pytest.mark.integration


def test_state_changing_calls_need_credentials_and_valid_bodies(
    ground: dict[str, Service],
) -> None:
    command, launchpad = ground["command"], ground["launchpad"]
    status, answer = call("POST", url(command, "/missions"), payload={})
    assert status == 401 and answer["error"]["code"] == "unauthenticated"
    status, answer = call(
        "POST", url(launchpad, "/launch"), TOKENS["operator"], {"mission_id": "M1"}
    )
    assert status == 403, "only Command may order the launch"
    status, answer = call(
        "POST", url(command, "/missions"), TOKENS["operator"], {"scenario": "has spaces"}
    )
    assert status == 422 and answer["error"]["field"] == "scenario"
    status, answer = call("POST", url(command, "/missions"), TOKENS["operator"], raw=b"{nope")
    assert status == 400 and answer["error"]["field"] == "<body>"
    status, answer = call("GET", url(command, "/missions/none-such"))
    assert status == 404
    status, spec = call("GET", url(command, "/openapi.json"))
    assert status == 200 and "/missions" in spec["paths"]
    assert spec["paths"]["/missions"]["post"]["security"] == [{"bearer": []}]


def test_no_launch_on_a_weather_no_go_and_every_reason_is_recorded(
    ground: dict[str, Service],
) -> None:
    storm = {
        "wind_speed": 25.0,
        "wind_gust": 35.0,
        "precipitation": 12.0,
        "lightning_distance": 3.0,
        "temperature": 15.0,
    }
    status, _ = call("PUT", url(ground["weather"], "/conditions"), TOKENS["operator"], storm)
    assert status == 200
    status, mission = call("POST", url(ground["command"], "/missions"), TOKENS["operator"], {})
    assert status == 201
    assert mission["state"] == "scrubbed"
    for word in ("wind", "gust", "precipitation", "lightning"):
        assert word in mission["detail"]
    _, timeline = call("GET", url(ground["command"], f"/missions/{mission['mission_id']}/timeline"))
    polls = [e for e in timeline["entries"] if e["kind"] == "go_no_go"]
    assert [(p["source"], p["data"]["go"]) for p in polls] == [("weather", False)]


STORM = {
    "wind_speed": 25.0,
    "wind_gust": 35.0,
    "precipitation": 12.0,
    "lightning_distance": 3.0,
    "temperature": 15.0,
}


def polls_logged(command: Service, text: str) -> int:
    """Polls Command made that heard ``text`` again (logged, not announced)."""
    lines = command.log.read_text().splitlines()
    return sum(text in line and line.endswith("(unchanged)") for line in lines)


def test_a_weather_hold_polls_on_and_launches_as_soon_as_the_weather_is_go(
    held_ground: dict[str, Service],
    private_broker: LocalMosquitto,
    fly: Callable[..., Flight],
    run_agent: Callable[..., RunningAgent],
) -> None:
    flight = fly("nominal", warp=5, autopilot=False)
    run_agent(private_broker, Device.ROCKET, flight.port(Device.ROCKET))
    weather, command = held_ground["weather"], held_ground["command"]
    wait_for(lambda: held_ground["launchpad"].health()["rocket_online"], 15, "the rocket online")
    assert call("PUT", url(weather, "/conditions"), TOKENS["operator"], STORM)[0] == 200

    status, mission = call("POST", url(command, "/missions"), TOKENS["operator"], {})
    assert (status, mission["state"]) == (201, "held"), mission
    assert "weather: gusts 35 m/s above 19 m/s" in mission["detail"]
    assert mission["detail"].endswith("polling every 1 s")
    mission_id = mission["mission_id"]
    answer = call("POST", url(command, "/missions"), TOKENS["operator"], {})
    assert (answer[0], answer[1]["error"]["code"]) == (409, "mission_flying"), "held is under way"
    no_go = "weather: no-go: sustained wind"
    wait_for(lambda: polls_logged(command, no_go) >= 2, 15, "two more polls, unchanged")
    assert flight.sim.world.liftoff_time is None

    assert call("DELETE", url(weather, "/conditions"), TOKENS["operator"])[0] == 200
    wait_for(lambda: flight.sim.world.liftoff_time is not None, 15, "the lift-off")
    # Command marks the mission flying once the launchpad has answered the launch order
    wait_for(
        lambda: call("GET", url(command, f"/missions/{mission_id}"))[1]["state"] == "flying",
        10,
        "the mission flying",
    )
    _, timeline = call("GET", url(command, f"/missions/{mission_id}/timeline"))
    polls = [(e["source"], e["data"]["go"]) for e in timeline["entries"] if e["kind"] == "go_no_go"]
    assert polls == [("weather", False), ("weather", True), ("rocket", True)], "said once a change"
    events = [e["data"].get("detail", "") for e in timeline["entries"] if e["text"] == "go_no_go"]
    assert events[0].startswith(no_go), events
    said = [e["text"] for e in timeline["entries"] if e["kind"] == "webcast"]
    assert sum("Hold: the weather is no-go" in line for line in said) == 1, said
    assert "command: The weather is go again." in said


def test_a_go_launches_and_a_second_mission_waits(
    ground: dict[str, Service],
    private_broker: LocalMosquitto,
    fly: Callable[..., Flight],
    run_agent: Callable[..., RunningAgent],
) -> None:
    flight = fly("nominal", warp=5, autopilot=False)
    run_agent(private_broker, Device.ROCKET, flight.port(Device.ROCKET))
    launchpad = ground["launchpad"]
    wait_for(lambda: launchpad.health()["rocket_online"], 15, "the rocket agent online")
    status, mission = call("POST", url(ground["command"], "/missions"), TOKENS["operator"], {})
    assert status == 201, mission
    assert mission["state"] == "flying", mission
    wait_for(lambda: flight.sim.world.liftoff_time is not None, 15, "the lift-off")
    status, answer = call("POST", url(ground["command"], "/missions"), TOKENS["operator"], {})
    assert status == 409 and answer["error"]["code"] == "mission_flying"
    _, timeline = call("GET", url(ground["command"], f"/missions/{mission['mission_id']}/timeline"))
    kinds = [(e["kind"], e["source"], e["text"]) for e in timeline["entries"]]
    assert (
        kinds.index(("go_no_go", "weather", "weather go"))
        < kinds.index(("go_no_go", "rocket", "rocket go"))
        < kinds.index(("decision", "command", "launch: go"))
    )
