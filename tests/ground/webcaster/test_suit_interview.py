"""The interview round trip with the real suit agent, its board on the firmware simulator.

The rocket stays on the pad (no autopilot), so the suit's flight data are what the test tells
it: the rocket's events (the suit listens to them directly) give it the timeline, its board
gives it the vitals, and its answer must quote both.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest

from devservers import LocalMosquitto
from marsy.mqtt import MqttBus
from marsy.protocol import Device, EventType, FlightPhase
from tests.edge.conftest import Flight, RunningAgent, fly, run_agent  # noqa: F401  (fixtures)
from tests.ground.webcaster.conftest import EventStream, MakeWebcaster, Vehicles
from tests.ground.webcaster.messages import status
from tests.waiting import wait_for

pytestmark = pytest.mark.integration


def test_the_suit_answers_from_the_astronauts_own_flight(
    broker: LocalMosquitto,
    fly: Callable[..., Flight],  # noqa: F811
    run_agent: Callable[..., RunningAgent],  # noqa: F811
    make_webcaster: MakeWebcaster,
    bus_factory: Callable[..., MqttBus],
    vehicles: Vehicles,
) -> None:
    flight = fly("nominal", warp=20, autopilot=False)
    clock = {"epoch": flight.sim.runner.clock.epoch, "warp": flight.sim.runner.clock.warp}
    suit = run_agent(broker, Device.SUIT, flight.port(Device.SUIT), clock=clock)
    webcaster = make_webcaster(broker, clock=clock)
    stream = EventStream(webcaster.http.port).start()

    command = bus_factory(broker, "command")
    command.start()
    command.publish_message(status("m-suit", FlightPhase.PAD)).wait()
    wait_for(lambda: suit.agent.mission_id == "m-suit", 15, "the suit to join the mission")
    wait_for(lambda: webcaster.hub.astronaut() == "Thomas", 15, "the suit's vitals")

    liftoff = flight.sim.runner.clock.now()
    for kind, after in (
        (EventType.LIFTOFF, 0),
        (EventType.MAX_Q, 57),
        (EventType.STAGE_SEPARATION, 150),
        (EventType.SECO, 457),
        (EventType.ORBIT, 457),
    ):
        vehicles.say(Device.ROCKET, kind, "m-suit", ts=liftoff + after)
    wait_for(lambda: EventType.ORBIT in suit.agent.state.event_times, 10, "the suit to hear")
    vehicles.say(Device.SATELLITE, EventType.PAYLOAD_DETACHED, "m-suit", ts=liftoff + 470)

    def finished() -> bool:
        transcript = webcaster.store.transcript("m-suit")
        return transcript is not None and transcript.finished

    started = time.monotonic()
    wait_for(finished, 20, "the interview with the real suit")
    transcript = webcaster.store.transcript("m-suit")
    assert transcript is not None and transcript.astronaut == "Thomas"
    ride, max_q, closing = (exchange.answer for exchange in transcript.exchanges)
    assert ride is not None and max_q is not None and closing is not None
    assert ride.startswith("We made it to orbit")
    assert "we reached orbit 457 s after lift-off" in ride
    beats = re.search(r"my heart went up to (\d+) beats a minute", ride)
    assert beats is not None
    assert 30 <= int(beats.group(1)) <= round(suit.agent.state.peaks["heart_rate"])
    assert max_q.startswith("Max-Q came 57 s after lift-off")
    assert "keep looking up" in closing
    for answer in (ride, max_q, closing):
        spoken = stream.wait_line(answer)
        assert spoken["speaker"] == "Thomas" and spoken["mission_id"] == "m-suit"
    assert suit.agent.stats.refused_commands == 0
    print(
        f"interview of {len(transcript.exchanges)} questions in {time.monotonic() - started:.2f} s"
    )
    stream.close()
