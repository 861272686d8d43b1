"""The live page watcher of the whole-mission tests (``tests/sim/live_page.py``), against a
webcaster fed with an abort by the vehicles' and Command's own logins."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from devservers import LocalMosquitto
from marsy.mqtt import MqttBus
from marsy.protocol import Device, EventType, FlightPhase, MissionState
from tests.ground.webcaster.conftest import MakeWebcaster, Vehicles
from tests.ground.webcaster.messages import line, rocket, status, vitals
from tests.sim.live_page import LivePage, PageSnapshot

pytestmark = pytest.mark.integration


def shows(label: str, value: str) -> Callable[[PageSnapshot], bool]:
    """Whether a snapshot shows ``value`` in the figure labelled ``label``."""

    def check(snapshot: PageSnapshot) -> bool:
        figure = snapshot.figure(label)
        return figure is not None and figure.value == value

    return check


def test_the_watcher_records_what_the_page_showed_through_an_abort(
    broker: LocalMosquitto,
    make_webcaster: MakeWebcaster,
    bus_factory: Callable[..., MqttBus],
    vehicles: Vehicles,
) -> None:
    webcaster = make_webcaster(broker)
    command = bus_factory(broker, "command")
    command.start()
    rocket_bus, suit_bus = vehicles.buses[Device.ROCKET], vehicles.buses[Device.SUIT]

    with LivePage(f"{webcaster.url}/", interval=0.2) as live:
        live.wait_for(lambda s: s.connection == "live")
        command.publish_message(status("m1", FlightPhase.ASCENT)).wait()
        vehicles.say(Device.ROCKET, EventType.LIFTOFF)
        rocket_bus.publish_message(rocket(altitude=9_000.0, velocity=400.0)).wait()
        live.wait_for(shows("rocket altitude", "9000 m"))

        vehicles.say(Device.ROCKET, EventType.ABORT)
        vehicles.say(Device.SUIT, EventType.EJECTION)
        for height in (8_000.0, 5_000.0):
            sample = vitals(phase=FlightPhase.PARACHUTES, altitude=height, vertical_speed=-60.0)
            suit_bus.publish_message(sample).wait()
            live.wait_for(shows("capsule altitude", f"{height:.0f} m"))
        vehicles.say(Device.SUIT, EventType.DROGUE_DEPLOYED)
        live.wait_for(lambda s: s.said("Drogue parachutes out"))
        command.publish_message(status("m1", FlightPhase.LANDED, MissionState.ABORTED)).wait()
        command.publish_message(line("Next up: m2.", mission="m2")).wait()
        last = live.wait_for(lambda s: s.state == "aborted" and len(s.separators) == 2)

    assert not live.running, "the watcher's thread and its browser are gone"
    assert live.states()[-3:] == ["flying", "abort", "aborted"]  # after "-", before a status
    assert live.phases()[-2:] == ["parachutes", "landed"]
    assert live.values("capsule altitude") == ["8000 m", "5000 m"]
    assert live.first(lambda s: s.crew == "capsule") is not None
    told = live.lines()
    assert any(text.startswith("Capsule ejected") for text in told)
    assert told.index("Next up: m2.") == len(told) - 1
    assert last.separators == ("— mission m1 —", "— mission m2 —")
    assert all(shown.time.startswith("T+") for shown in last.lines if shown.mission == "m1")
    assert "ejection (suit)" in last.events
    assert live.polls >= len(live.snapshots), "a snapshot is kept only when something changed"
