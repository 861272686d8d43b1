"""A suit agent killed after Max-Q and started again still tells Max-Q right in the interview:
what the flight has been (lift-off, Max-Q, the peaks) survives the restart."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from devservers import LocalMosquitto
from marsy.mqtt import MqttBus
from marsy.protocol import (
    CommandAck,
    CommandAction,
    Device,
    DeviceCommand,
    EventType,
    MissionEvent,
)
from tests.edge.conftest import Flight, RunningAgent
from tests.edge.test_agents import Recorder, announce, clock_of

pytestmark = pytest.mark.integration


def suit_process(broker: LocalMosquitto, flight: Flight, state: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "MARSY_EDGE_SERIAL_URL": flight.port(Device.SUIT),
        "MARSY_EDGE_STATE_DIR": str(state),
        "MARSY_EDGE_CLOCK__EPOCH": repr(flight.sim.runner.clock.epoch),
        "MARSY_EDGE_CLOCK__WARP": repr(flight.sim.runner.clock.warp),
        "MARSY_EDGE_MQTT": json.dumps(
            {
                **broker.settings_for("suit").model_dump(mode="json"),
                "password": broker.passwords["suit"],
            }
        ),
    }
    argv = [sys.executable, "-m", "marsy_cli", "agent", "suit"]
    return subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_a_suit_killed_after_max_q_still_knows_when_max_q_came(
    private_broker: LocalMosquitto,
    fly: Callable[..., Flight],
    run_agent: Callable[..., RunningAgent],
    tmp_path: Path,
) -> None:
    recorder = Recorder(private_broker)
    ground = MqttBus(private_broker.settings_for("command"))
    ground.start()
    announce(ground, "M1")  # before the flight, as Command does: lift-off is 2.5 s away
    webcaster = MqttBus(private_broker.settings_for("webcaster"))
    webcaster.start()
    flight = fly("nominal", warp=4)
    suit = suit_process(private_broker, flight, tmp_path / "suit")
    run_agent(private_broker, Device.ROCKET, flight.port(Device.ROCKET), clock=clock_of(flight))
    try:
        recorder.until(lambda: EventType.MAX_Q in recorder.events(), 60, "the rocket's Max-Q")
        recorder.drain(1.0)  # the suit hears it too
        suit.kill()
        suit.wait()
        suit = suit_process(private_broker, flight, tmp_path / "suit")
        times = {
            m.event: m.ts
            for m in recorder.messages
            if isinstance(m, MissionEvent) and m.source == "rocket"
        }
        question = DeviceCommand(
            mission_id="M1",
            source="webcaster",
            seq=1,
            ts=flight.sim.runner.clock.now(),
            command_id="interview-M1-01",
            device=Device.SUIT,
            action=CommandAction.INTERVIEW,
            text="What was Max-Q like from your seat?",
        )
        webcaster.publish_message(question).wait(5)

        def answer() -> CommandAck | None:
            acks = [
                m
                for m in recorder.messages
                if isinstance(m, CommandAck) and m.command_id == question.command_id
            ]
            return acks[0] if acks else None

        recorder.until(lambda: answer() is not None, 30, "the restarted suit's answer")
    finally:
        suit.terminate()
        suit.wait(15)
        webcaster.stop()
        ground.stop()
        recorder.stop()
    reply = answer()
    assert reply is not None and reply.accepted, reply
    said = re.match(r"Max-Q came (\d+) s after lift-off", reply.reason or "")
    assert said is not None, reply.reason
    # the suit's own lift-off may be stamped a frame apart from the rocket's
    assert abs(int(said.group(1)) - (times[EventType.MAX_Q] - times[EventType.LIFTOFF])) <= 1.5
