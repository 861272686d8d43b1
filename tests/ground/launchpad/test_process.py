"""``marsy serve launchpad`` as a process beside weather and Command, with a rocket agent on the
firmware simulator, on a real broker: open rocket checks share one status command, Command's
own check is fresh, and the pad itself refuses an ignition without the weather's go."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from devservers import LocalMosquitto, free_port
from marsy.protocol import Device
from tests.edge.conftest import Flight, RunningAgent
from tests.ground.command.conftest import TOKENS, call, ground, url  # noqa: F401
from tests.ground.conftest import Service, ground_env
from tests.waiting import wait_for

pytestmark = pytest.mark.integration

STORM = {
    "wind_speed": 25.0,
    "wind_gust": 35.0,
    "precipitation": 12.0,
    "lightning_distance": 3.0,
    "temperature": 15.0,
}


def storm(weather: Service) -> None:
    status, _ = call("PUT", url(weather, "/conditions"), TOKENS["operator"], STORM)
    assert status == 200


def status_commands(command: Service, mission_id: str) -> list[dict[str, Any]]:
    """The status commands to the rocket in the mission log (every send, repeats included)."""
    _, log = call("GET", url(command, f"/missions/{mission_id}/commands"))
    return [e for e in log["entries"] if e["kind"] == "command" and e["text"] == "status -> rocket"]


def answered(command: Service, mission_id: str) -> bool:
    _, log = call("GET", url(command, f"/missions/{mission_id}/commands"))
    sent = {e["data"]["command_id"] for e in log["entries"] if e["kind"] == "command"}
    acked = {e["data"]["command_id"] for e in log["entries"] if e["kind"] == "ack"}
    return bool(sent) and sent <= acked


def test_open_rocket_checks_share_one_status_command_every_two_seconds(
    ground: dict[str, Service],  # noqa: F811
    private_broker: LocalMosquitto,
    fly: Callable[..., Flight],
    run_agent: Callable[..., RunningAgent],
) -> None:
    flight = fly("nominal", warp=5, autopilot=False)
    rocket = run_agent(private_broker, Device.ROCKET, flight.port(Device.ROCKET))
    launchpad, command = ground["launchpad"], ground["command"]
    wait_for(lambda: launchpad.health()["rocket_online"], 15, "the rocket agent online")
    storm(ground["weather"])  # a scrubbed mission: Command logs what concerns it, and waits
    _, mission = call("POST", url(command, "/missions"), TOKENS["operator"], {})
    mission_id = mission["mission_id"]
    assert mission["state"] == "scrubbed"
    wait_for(lambda: launchpad.health()["mission_id"] == mission_id, 10, "the pad on the mission")

    calls = 1500
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(
            pool.map(lambda _: call("GET", url(launchpad, "/rocket-check")), range(calls))
        )
    elapsed = time.monotonic() - started
    assert {status for status, _ in answers} == {200}
    assert all(answer["go"] and answer["age"] <= 2.0 for _, answer in answers)

    wait_for(lambda: answered(command, mission_id), 10, "every status command answered")
    sent = status_commands(command, mission_id)
    ids = {e["data"]["command_id"] for e in sent}
    bound = int(elapsed // 2.0) + 2
    print(
        f"\n{calls} rocket checks in {elapsed:.1f} s: {len(ids)} status commands "
        f"({len(sent)} sends) in the mission log; {launchpad.health()['rocket_checks']}"
    )
    assert len(ids) <= bound, f"{len(ids)} status commands for {calls} reads in {elapsed:.1f} s"
    assert len(sent) <= 2 * bound, "each answered at its first or second send"
    assert launchpad.health()["rocket_checks"]["made"] == len(ids)
    assert rocket.agent.stats.commands == len(sent)


def test_the_pad_refuses_an_ignition_on_a_weather_no_go_and_command_still_launches(
    ground: dict[str, Service],  # noqa: F811
    private_broker: LocalMosquitto,
    fly: Callable[..., Flight],
    run_agent: Callable[..., RunningAgent],
) -> None:
    flight = fly("nominal", warp=5, autopilot=False)
    rocket = run_agent(private_broker, Device.ROCKET, flight.port(Device.ROCKET))
    launchpad, command, weather = ground["launchpad"], ground["command"], ground["weather"]
    wait_for(lambda: launchpad.health()["rocket_online"], 15, "the rocket agent online")

    storm(weather)
    status, refused = call(
        "POST", url(launchpad, "/launch"), TOKENS["command"], {"mission_id": "M-past-command"}
    )
    assert status == 409, refused
    assert refused["error"]["code"] == "weather_no_go"
    message = refused["error"]["message"]
    assert message.startswith("weather no-go: ")
    for word in ("wind", "gust", "precipitation", "lightning"):
        assert word in message
    assert rocket.agent.stats.commands == 0, "the rocket was not even asked"
    assert flight.sim.world.liftoff_time is None
    assert launchpad.health()["launched"] == []

    status, _ = call("DELETE", url(weather, "/conditions"), TOKENS["operator"])
    assert status == 200
    status, mission = call("POST", url(command, "/missions"), TOKENS["operator"], {})
    assert (status, mission["state"]) == (201, "flying"), mission
    wait_for(lambda: flight.sim.world.liftoff_time is not None, 15, "the lift-off")
    checks = status_commands(command, mission["mission_id"])
    assert checks, "Command's poll asked the rocket itself, for this mission"
    assert all(e["data"]["mission_id"] == mission["mission_id"] for e in checks)


def test_fresh_checks_need_a_caller_and_no_weather_means_no_launch(
    private_broker: LocalMosquitto, serve: Callable[..., Service]
) -> None:
    tokens = {**TOKENS, "webcaster": "web-secret"}
    nowhere = f"http://127.0.0.1:{free_port()}"
    launchpad = serve(
        "launchpad",
        private_broker,
        MARSY_GROUND_API_TOKENS=json.dumps(tokens),
        MARSY_GROUND_SERVICES=json.dumps({"weather": nowhere}),
    )
    check = url(launchpad, "/rocket-check")
    assert call("POST", check, None, {"mission_id": "M1"})[0] == 401
    assert call("POST", check, tokens["webcaster"], {"mission_id": "M1"})[0] == 403
    status, invalid = call("POST", check, TOKENS["command"], {"mission_id": "has spaces"})
    assert (status, invalid["error"]["field"]) == (422, "mission_id")
    status, fresh = call("POST", check, TOKENS["operator"], {"mission_id": "M1"})
    assert status == 200
    assert (fresh["go"], fresh["reasons"]) == (False, ["the rocket agent is offline"])
    assert fresh["age"] < 0.5

    status, refused = call(
        "POST", url(launchpad, "/launch"), TOKENS["command"], {"mission_id": "M1"}
    )
    assert (status, refused["error"]["code"]) == (409, "weather_no_go")
    assert "the weather service is unreachable" in refused["error"]["message"]
    assert launchpad.health()["launched"] == []


def test_the_pad_does_not_start_without_the_weathers_address(
    private_broker: LocalMosquitto, tmp_path: Path
) -> None:
    env = ground_env(private_broker, "launchpad", None, tmp_path / "state", free_port())
    env.pop("MARSY_GROUND_SERVICES", None)
    ended = subprocess.run(
        [sys.executable, "-m", "marsy_cli", "serve", "launchpad"],
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert ended.returncode != 0
    assert b"services: launchpad needs the URL of weather" in ended.stderr
