"""Device commands on a real broker: ids nobody can guess, and only the addressed device's ack
answers one; an ack from another login, even with the right id, is ignored and counted."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable

import pytest

from devservers import LocalMosquitto
from ground.devices import DeviceCommander
from marsy.clock import MissionClock
from marsy.mqtt import MqttBus
from marsy.protocol import CommandAck, CommandAction, Device
from tests.ground.command.standins import StandIn
from tests.waiting import wait_for

pytestmark = pytest.mark.integration


def test_a_forged_ack_for_the_payloads_detach_is_ignored(
    broker: LocalMosquitto, bus_factory: Callable[..., MqttBus]
) -> None:
    bus = bus_factory(broker, "payload", persistent=False)
    commander = DeviceCommander(bus, "payload", MissionClock())
    bus.subscribe(commander.ack_filter)
    bus.start()
    stop = threading.Event()

    def pump() -> None:
        while not stop.is_set():
            delivery = bus.receive(0.05)
            if delivery is not None:
                commander.handle(delivery)
                bus.ack(delivery)

    rocket = StandIn(bus_factory(broker, "rocket", persistent=False), Device.ROCKET)
    rocket.answering.clear()
    satellite = bus_factory(broker, "satellite", persistent=False)
    satellite.start()
    answers: list[CommandAck] = []
    threads = [
        threading.Thread(target=pump, daemon=True),
        threading.Thread(
            target=lambda: answers.append(
                commander.request("M1", Device.ROCKET, CommandAction.DETACH, timeout=30)
            ),
            daemon=True,
        ),
    ]
    for thread in threads:
        thread.start()
    try:
        command_id = wait_for(lambda: rocket.ids(CommandAction.DETACH), 10, "the detach")[0]
        assert re.fullmatch(r"payload-detach-[0-9a-f]{16}", command_id)
        forged = CommandAck(
            mission_id="M1",
            source="satellite",
            seq=1,
            ts=time.time(),
            command_id=command_id,
            device=Device.SATELLITE,
            action=CommandAction.DETACH,
            accepted=False,
            reason="the rocket refuses the detach",
        )
        satellite.publish_message(forged).wait(5)
        wait_for(lambda: commander.forged == 1, 10, "the forged ack counted")
        assert answers == [], "the payload still waits for the rocket"

        rocket.answering.set()  # the next resend of the same id is answered
        threads[1].join(15)
    finally:
        stop.set()
        rocket.close()
        threads[0].join(5)
    (answer,) = answers
    assert (answer.device, answer.accepted, answer.command_id) == (
        Device.ROCKET,
        True,
        command_id,
    )
    assert set(rocket.ids(CommandAction.DETACH)) == {command_id}
    assert commander.forged == 1
