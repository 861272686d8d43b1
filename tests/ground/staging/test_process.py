"""``marsy serve staging`` as its own process against a stand-in rocket on a real broker: Max-Q
throttle when the board did not, one separation order per mission even when the service is
killed before the rocket answered, and none again after a restart; an operator's separation
with propellant left refused unless forced, and then logged as forced with its reason."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from devservers import LocalMosquitto
from marsy.mqtt import MqttBus
from marsy.protocol import Channel, CommandAction, FlightPhase, LogRecord, decode_message
from tests.ground.conftest import Service
from tests.ground.steering.standin import StandInRocket, announce
from tests.waiting import wait_for

pytestmark = pytest.mark.integration

MISSION = "M-staging-process"
TOKENS = {"operator": "op-secret"}


@pytest.fixture
def rocket(broker: LocalMosquitto, bus_factory: Callable[..., MqttBus]) -> Iterator[StandInRocket]:
    command = bus_factory(broker, "command", persistent=False)
    command.start()
    announce(command, MISSION)
    stand_in = StandInRocket(bus_factory(broker, "rocket"), MISSION)
    yield stand_in
    stand_in.close()


def call(service: Service, method: str, path: str, payload: Any = None) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{service.port}{path}",
        method=method,
        data=json.dumps(payload).encode() if payload is not None else None,
        headers={"Authorization": "Bearer op-secret", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as refused:
        return refused.code, json.load(refused)


def orders(service: Service) -> list[dict[str, Any]]:
    return list(call(service, "GET", "/status")[1]["orders"])


def sample_after(service: Service, mark: float) -> bool:
    rocket = call(service, "GET", "/status")[1]["rocket"]
    return rocket is not None and rocket["ts"] > mark


def test_staging_orders_each_step_once_across_restarts(
    broker: LocalMosquitto, serve: Callable[..., Service], rocket: StandInRocket
) -> None:
    staging = serve("staging", broker, MARSY_GROUND_API_TOKENS=json.dumps(TOKENS))
    rocket.answering.set()

    rocket.set(FlightPhase.MAX_Q, fuel_stage1=60.0, throttle=100.0, dynamic_pressure=30_000.0)
    wait_for(lambda: rocket.ids(CommandAction.THROTTLE), 10, "the Max-Q throttle-down")
    (down,) = [c for c in rocket.commands if c.action is CommandAction.THROTTLE]
    assert (down.command_id, down.level) == (orders(staging)[0]["command_id"], 80.0)
    rocket.set(FlightPhase.ASCENT, fuel_stage1=40.0, throttle=80.0)
    wait_for(lambda: len(set(rocket.ids(CommandAction.THROTTLE))) == 2, 10, "the throttle-up")
    assert rocket.commands[-1].level == 100.0

    rocket.answering.clear()
    rocket.set(FlightPhase.ASCENT, fuel_stage1=7.6, throttle=100.0)
    wait_for(lambda: rocket.ids(CommandAction.SEPARATE), 10, "the separation order")
    staging.kill()  # SIGKILL before the rocket answered: the order is in the store, pending
    sent_before = len(rocket.ids(CommandAction.SEPARATE))
    staging.start()
    wait_for(lambda: len(rocket.ids(CommandAction.SEPARATE)) > sent_before, 10, "the order resent")
    assert set(rocket.ids(CommandAction.SEPARATE)) == {orders(staging)[-1]["command_id"]}
    rocket.answering.set()
    wait_for(lambda: orders(staging)[-1]["outcome"] == "accepted", 10, "the separation acked")

    staging.stop()
    sent = len(rocket.ids(CommandAction.SEPARATE))
    staging.start()
    mark = time.time()
    # The stand-in still reports 7.6 %: a restarted staging that forgot would order again.
    wait_for(lambda: sample_after(staging, mark + 1.0), 10, "a second of samples after restart")
    assert len(rocket.ids(CommandAction.SEPARATE)) == sent, "no separation order after the ack"
    status, refused = call(staging, "POST", "/stage", {"mission_id": MISSION, "reason": "again"})
    assert (status, refused["error"]["message"]) == (409, "the stages are already separated")
    assert [(o["step"], o["attempt"], o["outcome"]) for o in orders(staging)] == [
        ("throttle-down", 1, "accepted"),
        ("throttle-up", 1, "accepted"),
        ("separate", 1, "accepted"),
    ]
    assert staging.health()["steering"]["failed"] == 0


def test_an_early_manual_separation_is_refused_unless_forced_and_then_logged_as_forced(
    broker: LocalMosquitto,
    serve: Callable[..., Service],
    rocket: StandInRocket,
    bus_factory: Callable[..., MqttBus],
) -> None:
    observer = bus_factory(broker, "observer", persistent=False)
    observer.subscribe(observer.topics.topic(Channel.LOGS, "staging"))
    observer.start()
    staging = serve("staging", broker, MARSY_GROUND_API_TOKENS=json.dumps(TOKENS))
    rocket.answering.set()
    rocket.set(FlightPhase.ASCENT, fuel_stage1=88.7, throttle=100.0)
    mark = time.time()
    wait_for(lambda: sample_after(staging, mark), 10, "the rocket's figures at staging")

    order = {"mission_id": MISSION, "reason": "booster engine fire"}
    status, refused = call(staging, "POST", "/stage", order)
    assert (status, refused["error"]["code"]) == (409, "outside_envelope")
    assert refused["error"]["message"] == (
        "manual separation outside the envelope: first-stage propellant 88.7 %, not below 8 %, "
        "and no cut-off yet (phase ascent); send force=true with a reason to override"
    )
    assert orders(staging) == [] and rocket.ids(CommandAction.SEPARATE) == []

    status, forced = call(staging, "POST", "/stage", {**order, "force": True})
    assert status == 200, forced
    assert (forced["outcome"], forced["origin"], forced["forced"]) == ("accepted", "operator", True)
    assert forced["why"].endswith("): booster engine fire")
    assert rocket.ids(CommandAction.SEPARATE) == [forced["command_id"]]
    assert [o["forced"] for o in orders(staging)] == [True], "the order's record says forced"

    def forced_line() -> str | None:
        delivery = observer.receive(0.2)
        if delivery is None:
            return None
        observer.ack(delivery)
        line = decode_message(delivery.payload)
        assert isinstance(line, LogRecord)
        return line.message if forced["command_id"] in line.message else None

    logged = wait_for(forced_line, 10, "the forced order in the mission's log", interval=0)
    assert logged.startswith("stage separation FORCED by operator: ")
    assert "88.7 %" in logged and "booster engine fire" in logged
