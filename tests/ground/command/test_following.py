"""Command acting by its flight rules, as a process on a real broker: forgeries from other logins
and ground faults never destroy the vehicle; loss of signal holds; the rocket's own abort and two
independent red limits terminate the flight, under order ids that survive a restart."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from devservers import LocalMosquitto
from marsy.mqtt import MqttBus
from marsy.protocol import (
    AlertRule,
    CommandAction,
    Device,
    EventType,
    MissionStatus,
    decode_message,
)
from tests.ground.command.conftest import TOKENS, call, url
from tests.ground.command.standins import StandIn, StandInCalculator
from tests.ground.conftest import Service
from tests.waiting import wait_for

pytestmark = pytest.mark.integration

Entry = dict[str, Any]


class Vehicles:
    """Every vehicle's login, the calculator's, and an observer of the retained status."""

    def __init__(self, broker: LocalMosquitto, bus_factory: Callable[..., MqttBus]) -> None:
        def login(device: Device, **kw: Any) -> StandIn:
            return StandIn(bus_factory(broker, str(device), persistent=False, **kw), device)

        self.rocket = login(Device.ROCKET, presence="rocket")
        self.suit = login(Device.SUIT)
        self.satellite = login(Device.SATELLITE)
        self.booster = login(Device.BOOSTER)
        self.calculator = StandInCalculator(bus_factory(broker, "calculator", persistent=False))
        self.statuses: list[MissionStatus] = []
        self._observer = bus_factory(broker, "observer", persistent=False)
        self._observer.subscribe(self._observer.topics.mission_status)
        self._observer.start()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.is_set():
            delivery = self._observer.receive(0.05)
            if delivery is not None:
                status = decode_message(delivery.payload)
                assert isinstance(status, MissionStatus)
                self.statuses.append(status)
                self._observer.ack(delivery)

    def status_detail(self) -> str:
        return self.statuses[-1].detail if self.statuses else ""

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        for stand_in in (self.rocket, self.suit, self.satellite, self.booster):
            stand_in.close()


@pytest.fixture
def vehicles(
    private_broker: LocalMosquitto, bus_factory: Callable[..., MqttBus]
) -> Iterator[Vehicles]:
    made = Vehicles(private_broker, bus_factory)
    yield made
    made.close()


def launch(ground: dict[str, Service]) -> str:
    wait_for(lambda: ground["launchpad"].health()["rocket_online"], 15, "the rocket online")
    status, mission = call("POST", url(ground["command"], "/missions"), TOKENS["operator"], {})
    assert status == 201 and mission["state"] == "flying", mission
    return str(mission["mission_id"])


def timeline(command: Service, mission_id: str) -> list[Entry]:
    _, answer = call("GET", url(command, f"/missions/{mission_id}/timeline"))
    return list(answer["entries"])


def mission(command: Service, mission_id: str) -> dict[str, Any]:
    _, answer = call("GET", url(command, f"/missions/{mission_id}"))
    return dict(answer)


def logged(command: Service, mission_id: str, kind: str, text: str, timeout: float = 15) -> Entry:
    """The first entry of ``kind`` whose text contains ``text``, once Command has written it."""

    def find() -> list[Entry]:
        return [
            entry
            for entry in timeline(command, mission_id)
            if entry["kind"] == kind and text in entry["text"]
        ]

    return wait_for(find, timeout, f"{kind} {text!r} in the mission log")[0]


def aborts(command: Service, mission_id: str) -> list[Entry]:
    return [
        e
        for e in timeline(command, mission_id)
        if e["kind"] == "decision" and e["data"].get("what") == "abort"
    ]


def test_forgeries_and_ground_faults_never_destroy_and_loss_of_signal_holds(
    ground: dict[str, Service], vehicles: Vehicles
) -> None:
    command = ground["command"]
    mid = launch(ground)

    vehicles.satellite.say(mid, EventType.ABORT, "forged by the satellite's login")
    refused = logged(command, mid, "refused", "abort from the satellite")
    assert refused["data"]["why"] == "abort is the rocket's to report, not the satellite's"

    vehicles.calculator.alert(mid, AlertRule.GROUND, parameter="store", message="store stale")
    noted = logged(command, mid, "alert", "red ground rocket store")
    assert (noted["data"]["flight_rule"], noted["data"]["action"]) == ("FR-7", "note")

    vehicles.calculator.alert(mid, AlertRule.LOSS_OF_SIGNAL, message="no rocket data for 6 s")
    hold = logged(command, mid, "decision", "hold: FR-4")
    assert hold["data"]["flight_rule"] == "FR-4"
    assert mission(command, mid)["detail"].startswith("HOLD FR-4 loss of signal of the rocket")
    wait_for(lambda: vehicles.status_detail().startswith("HOLD FR-4"), 10, "HOLD in the status")
    assert command.health()["hold"] == "FR-4"

    vehicles.calculator.alert(mid, AlertRule.LOSS_OF_SIGNAL, cleared=True)
    logged(command, mid, "decision", "hold lifted: FR-4")
    assert not mission(command, mid)["detail"].startswith("HOLD")
    assert command.health()["hold"] is None

    current = mission(command, mid)
    assert (current["state"], current["phase"]) == ("flying", "pad"), "no abort phase either"
    assert aborts(command, mid) == []
    assert vehicles.rocket.ids(CommandAction.DESTRUCT) == []
    assert vehicles.suit.ids(CommandAction.EJECT) == []


def test_a_forged_completion_is_refused_and_the_rockets_own_abort_still_terminates(
    ground: dict[str, Service], vehicles: Vehicles
) -> None:
    command = ground["command"]
    mid = launch(ground)

    vehicles.satellite.say(mid, EventType.BOOSTER_LOST, "forged by the satellite's login")
    vehicles.booster.say(mid, EventType.PAYLOAD_DETACHED, "forged by the booster's login")
    logged(command, mid, "refused", "booster_lost from the satellite")
    logged(command, mid, "refused", "payload_detached from the booster")
    assert mission(command, mid)["state"] == "flying", "nothing forged completes it"

    vehicles.rocket.say(mid, EventType.ABORT, "engine_failure: first-stage thrust lost")
    decision = logged(command, mid, "decision", "abort: go, flight_termination by FR-1")
    assert "the rocket reports abort" in decision["data"]["detail"]
    logged(command, mid, "decision", "destruct order: go")
    logged(command, mid, "event", "self_destruct")
    log = timeline(command, mid)
    orders = [(e["data"]["action"], e["data"]["command_id"]) for e in log if e["kind"] == "order"]
    assert [action for action, _ in orders] == ["eject", "destruct"], "the crew first"
    for action, command_id in orders:
        assert re.fullmatch(rf"command-{action}-[0-9a-f]{{16}}", command_id)
    assert set(vehicles.suit.ids(CommandAction.EJECT)) == {orders[0][1]}
    assert set(vehicles.rocket.ids(CommandAction.DESTRUCT)) == {orders[1][1]}
    kinds = [(e["kind"], e["text"].split(" ")[0]) for e in log]
    assert kinds.index(("order", "eject")) < kinds.index(("command", "eject"))

    vehicles.suit.say(mid, EventType.EJECTION)
    logged(command, mid, "decision", "crew ejection: go")
    vehicles.suit.say(mid, EventType.CAPSULE_LANDED)
    wait_for(lambda: mission(command, mid)["state"] == "aborted", 10, "the mission aborted")
    assert len(aborts(command, mid)) == 1


def test_a_release_before_staging_is_refused_and_the_real_one_later_completes(
    ground: dict[str, Service], vehicles: Vehicles
) -> None:
    """The satellite's own login says it is free at T+40: its word, but out of order."""
    command = ground["command"]
    mid = launch(ground)
    vehicles.rocket.say(mid, EventType.LIFTOFF)
    vehicles.satellite.say(mid, EventType.PAYLOAD_DETACHED, "said at T+40 by a stolen login")
    early = logged(command, mid, "refused", "payload_detached from the satellite")
    assert early["data"]["why"] == (
        "payload_detached before stage_separation and seco: out of order"
    )

    vehicles.rocket.say(mid, EventType.STAGE_SEPARATION)
    vehicles.booster.say(mid, EventType.BOOSTER_LANDED)
    vehicles.rocket.say(mid, EventType.SECO)
    logged(command, mid, "event", "seco")  # handled after the landing: Command has judged it
    assert mission(command, mid)["state"] == "flying", "the booster is down, the payload aboard"
    assert mission(command, mid)["phase"] == "upper_stage"

    vehicles.rocket.say(mid, EventType.ORBIT)
    vehicles.satellite.say(mid, EventType.PAYLOAD_DETACHED, "satellite released at 205 km")
    wait_for(lambda: mission(command, mid)["state"] == "complete", 10, "the mission complete")
    released = [
        e for e in timeline(command, mid) if (e["kind"], e["text"]) == ("event", "payload_detached")
    ]
    assert [e["data"]["detail"] for e in released] == ["satellite released at 205 km"]
    assert [e["kind"] for e in timeline(command, mid)].count("refused") == 1
    assert aborts(command, mid) == []


def test_two_independent_red_limits_terminate_under_ids_that_survive_a_restart(
    ground: dict[str, Service], vehicles: Vehicles
) -> None:
    command = ground["command"]
    mid = launch(ground)
    vehicles.rocket.answering.clear()

    vehicles.calculator.alert(mid, AlertRule.LIMIT, parameter="chamber_pressure")
    logged(command, mid, "decision", "hold: FR-6")
    assert aborts(command, mid) == [], "one red parameter may be its sensor"

    vehicles.calculator.alert(mid, AlertRule.RATE, parameter="altitude")
    logged(command, mid, "decision", "abort: go, flight_termination by FR-2")
    wait_for(lambda: vehicles.rocket.ids(CommandAction.DESTRUCT), 15, "the destruct order")
    command.kill()  # before the rocket answered: the order is in the log, unanswered
    sent = len(vehicles.rocket.ids(CommandAction.DESTRUCT))
    command.start()
    wait_for(
        lambda: len(vehicles.rocket.ids(CommandAction.DESTRUCT)) > sent, 15, "the order resent"
    )
    vehicles.rocket.answering.set()
    done = logged(command, mid, "decision", "destruct order: go")
    assert done["data"]["answered"] is True
    orders = [e["data"]["command_id"] for e in timeline(command, mid) if e["kind"] == "order"]
    assert len(orders) == 2, orders
    assert set(vehicles.rocket.ids(CommandAction.DESTRUCT)) == {orders[1]}
    assert set(vehicles.suit.ids(CommandAction.EJECT)) == {orders[0]}, "ejected once"
    assert len(aborts(command, mid)) == 1
