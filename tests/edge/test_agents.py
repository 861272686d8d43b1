"""The four onboard agents against the firmware simulator on ptys and a real Mosquitto."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest

from devservers import LocalMosquitto
from marsy.mqtt import MqttBus
from marsy.protocol import (
    AstronautVitals,
    CommandAck,
    CommandAction,
    ContractError,
    Device,
    DeviceCommand,
    DeviceHealth,
    DeviceTelemetry,
    EventType,
    FlightPhase,
    LogRecord,
    Message,
    MissionEvent,
    MissionState,
    MissionStatus,
    decode_message,
)
from tests.edge.conftest import Flight, RunningAgent
from tests.waiting import wait_for

pytestmark = pytest.mark.integration


class Recorder:
    """A persistent subscriber to everything: what a ground consumer would see."""

    def __init__(self, broker: LocalMosquitto, client_id: str = "recorder") -> None:
        self.bus = MqttBus(broker.settings_for(broker.add_login("observer", client_id)))
        self.bus.subscribe(self.bus.topics.everything)
        self.bus.start()
        self.seqs: dict[Device, set[int]] = defaultdict(set)
        self.messages: list[Message] = []

    def drain(self, seconds: float = 0.2) -> None:
        deadline = time.monotonic() + seconds
        while (d := self.bus.receive(max(0.0, deadline - time.monotonic()))) is not None:
            self.bus.ack(d)
            try:
                message = decode_message(d.payload)
            except ContractError:
                continue
            self.messages.append(message)
            if isinstance(message, DeviceTelemetry | AstronautVitals):
                self.seqs[message.device].add(message.seq)

    def events(self) -> list[EventType]:
        return [m.event for m in self.messages if isinstance(m, MissionEvent)]

    def until(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        def check() -> bool:
            self.drain(0.2)
            return condition()

        wait_for(check, timeout, what, interval=0)

    def stop(self) -> None:
        self.bus.stop(timeout=1)


def gaps(seqs: set[int]) -> list[int]:
    return sorted(set(range(min(seqs), max(seqs) + 1)) - seqs) if seqs else []


def clock_of(flight: Flight) -> dict[str, float]:
    return {"epoch": flight.sim.runner.clock.epoch, "warp": flight.sim.runner.clock.warp}


def start_all(
    run_agent: Callable[..., RunningAgent], broker: LocalMosquitto, flight: Flight
) -> dict[Device, RunningAgent]:
    return {d: run_agent(broker, d, flight.port(d), clock=clock_of(flight)) for d in Device}


def test_the_four_agents_fly_the_nominal_mission(
    private_broker: LocalMosquitto,
    fly: Callable[..., Flight],
    run_agent: Callable[..., RunningAgent],
) -> None:
    recorder = Recorder(private_broker)
    flight = fly("nominal", warp=40)
    agents = start_all(run_agent, private_broker, flight)
    milestones = {
        EventType.LIFTOFF,
        EventType.MAX_Q,
        EventType.STAGE_SEPARATION,
        EventType.ORBIT,
        EventType.PAYLOAD_DETACHED,
    }
    try:
        # each device's events come in order, not the devices' among themselves: the satellite's
        # detach may overtake the rocket's orbit on a busy machine
        recorder.until(lambda: milestones <= set(recorder.events()), 60, "the flight's events")
        recorder.until(lambda: len(recorder.seqs[Device.SATELLITE]) > 20, 20, "satellite data")
    finally:
        recorder.stop()
    for device in Device:
        assert len(recorder.seqs[device]) > 20, device
        assert gaps(recorder.seqs[device]) == [], device
    healths = [m for m in recorder.messages if isinstance(m, DeviceHealth)]
    assert {h.device for h in healths} == set(Device)
    assert all(agents[d].agent.stats.invalid_frames == 0 for d in Device)


def test_broker_down_for_10_s_mid_flight_loses_nothing(
    private_broker: LocalMosquitto,
    fly: Callable[..., Flight],
    run_agent: Callable[..., RunningAgent],
) -> None:
    recorder = Recorder(private_broker)
    flight = fly("nominal", warp=20)
    start_all(run_agent, private_broker, flight)
    try:
        recorder.until(lambda: len(recorder.seqs[Device.ROCKET]) > 100, 30, "rocket telemetry")
        private_broker.stop()  # SIGTERM: Mosquitto saves its sessions (see mosquitto/README.md)
        time.sleep(10)  # the outage itself: the agents queue on disk meanwhile
        private_broker.start()
        recorder.until(
            lambda: EventType.PAYLOAD_DETACHED in recorder.events(), 90, "the payload detach"
        )
        recorder.drain(2)
    finally:
        recorder.stop()
    for device in Device:
        assert recorder.seqs[device], device
        assert gaps(recorder.seqs[device]) == [], device
    assert min(recorder.seqs[Device.ROCKET]) == 0


def test_agent_killed_while_the_broker_is_down_delivers_its_queue(
    private_broker: LocalMosquitto,
    fly: Callable[..., Flight],
    tmp_path: Path,
) -> None:
    flight = fly("nominal", warp=10)
    recorder = Recorder(private_broker)
    env = {
        **os.environ,
        "MARSY_EDGE_SERIAL_URL": flight.port(Device.SUIT),
        "MARSY_EDGE_STATE_DIR": str(tmp_path / "state"),
        "MARSY_EDGE_CLOCK__EPOCH": repr(flight.sim.runner.clock.epoch),
        "MARSY_EDGE_CLOCK__WARP": "10",
        "MARSY_EDGE_MQTT": json.dumps(
            {
                **private_broker.settings_for("suit").model_dump(mode="json"),
                "password": private_broker.passwords["suit"],
            }
        ),
    }
    argv = [sys.executable, "-m", "marsy_cli", "agent", "suit"]
    agent = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        recorder.until(lambda: len(recorder.seqs[Device.SUIT]) > 20, 30, "suit vitals")
        before = set(recorder.seqs[Device.SUIT])
        recorder.stop()  # a persistent session: the broker keeps what comes next for it
        private_broker.stop()
        time.sleep(3)  # the agent keeps reading its board and queues to disk
        agent.kill()
        agent.wait()
        private_broker.start()
        agent = subprocess.Popen(
            argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        recorder = Recorder(private_broker)
        recorder.seqs[Device.SUIT] |= before
        recorder.until(
            lambda: len(recorder.seqs[Device.SUIT]) > 400, 30, "the queued vitals and new ones"
        )
    finally:
        recorder.stop()
        agent.terminate()
        agent.wait(15)
    seqs = recorder.seqs[Device.SUIT]
    assert gaps(seqs) == [], "the queue written before the SIGKILL was delivered"
    assert min(seqs) == 0


def command(
    device: Device,
    action: CommandAction,
    command_id: str,
    *,
    mission_id: str = "m1",
    ahead: float = 0.0,
    level: float | None = None,
) -> DeviceCommand:
    """A command as a ground service sends it, stamped ``ahead`` seconds after now."""
    return DeviceCommand(
        mission_id=mission_id,
        source="command",
        seq=1,
        ts=time.time() + ahead,
        command_id=command_id,
        device=device,
        action=action,
        level=level,
    )


def announce(ground: MqttBus, mission_id: str) -> None:
    """The retained mission status, as Command publishes it when a mission starts."""
    status = MissionStatus(
        mission_id=mission_id,
        source="command",
        seq=1,
        ts=time.time(),
        state=MissionState.POLLING,
        phase=FlightPhase.PAD,
    )
    ground.publish_message(status).wait(5)


class Acks:
    """The answers a ground service sees, by command id."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    def __call__(self, command_id: str) -> CommandAck:
        def find() -> CommandAck | None:
            self.recorder.drain(0.1)
            acks = [
                m
                for m in self.recorder.messages
                if isinstance(m, CommandAck) and m.command_id == command_id
            ]
            return acks[-1] if acks else None

        return wait_for(find, 15, f"the ack of {command_id}", interval=0)


def test_commands_are_acknowledged_refused_by_phase_and_never_run_twice(
    private_broker: LocalMosquitto,
    fly: Callable[..., Flight],
    run_agent: Callable[..., RunningAgent],
) -> None:
    flight = fly("nominal", warp=1, autopilot=False)
    rocket = run_agent(private_broker, Device.ROCKET, flight.port(Device.ROCKET))
    recorder = Recorder(private_broker)
    ground = MqttBus(private_broker.settings_for("command"))
    ground.start()
    ack_for = Acks(recorder)

    try:
        recorder.until(lambda: bool(recorder.seqs[Device.ROCKET]), 15, "rocket telemetry")
        announce(ground, "m1")
        ground.publish_message(command(Device.ROCKET, CommandAction.DETACH, "cmd-detach-1")).wait()
        refused = ack_for("cmd-detach-1")
        assert not refused.accepted
        assert refused.reason == "no payload detach before stage separation"

        ground.publish_message(command(Device.ROCKET, CommandAction.IGNITE, "cmd-ignite-1")).wait()
        assert ack_for("cmd-ignite-1").accepted
        ground.publish_message(command(Device.ROCKET, CommandAction.IGNITE, "cmd-ignite-1")).wait()
        recorder.until(
            lambda: (
                sum(
                    isinstance(m, CommandAck) and m.command_id == "cmd-ignite-1"
                    for m in recorder.messages
                )
                == 2
            ),
            10,
            "the repeated answer",
        )
        answers = [
            m
            for m in recorder.messages
            if isinstance(m, CommandAck) and m.command_id == "cmd-ignite-1"
        ]
        assert answers[0] == answers[1], "a repeat gets the same answer, not a second ignition"
        assert flight.sim.boards[Device.ROCKET].stats.commands == 1

        stale = command(Device.ROCKET, CommandAction.STATUS, "cmd-stale-1")
        ground.publish_message(stale.model_copy(update={"ts": time.time() - 600})).wait()
        assert ack_for("cmd-stale-1").reason.startswith("stale")  # type: ignore[union-attr]
    finally:
        ground.stop()
        recorder.stop()
    assert rocket.agent.stats.repeated_commands == 1


def test_commands_from_the_future_or_for_another_mission_are_refused_and_nothing_runs(
    private_broker: LocalMosquitto,
    fly: Callable[..., Flight],
    run_agent: Callable[..., RunningAgent],
) -> None:
    flight = fly("nominal", warp=1, autopilot=False)
    rocket = run_agent(private_broker, Device.ROCKET, flight.port(Device.ROCKET))
    board = flight.sim.boards[Device.ROCKET]
    recorder = Recorder(private_broker)
    ground = MqttBus(private_broker.settings_for("command"))
    ground.start()
    ack_for = Acks(recorder)
    try:
        recorder.until(lambda: bool(recorder.seqs[Device.ROCKET]), 15, "rocket telemetry")
        throttle = command(Device.ROCKET, CommandAction.THROTTLE, "cmd-throttle-0", level=50.0)
        ground.publish_message(throttle).wait()
        assert ack_for("cmd-throttle-0").reason == (
            "no mission announced yet: throttle for mission m1 refused"
        )
        announce(ground, "m1")

        ahead = command(Device.ROCKET, CommandAction.IGNITE, "cmd-ignite-ahead", ahead=3600)
        ground.publish_message(ahead).wait()
        refused = ack_for("cmd-ignite-ahead")
        assert not refused.accepted
        assert refused.reason is not None and refused.reason.startswith(
            "from the future: stamped 3600 s ahead"
        )
        other = command(Device.ROCKET, CommandAction.IGNITE, "cmd-ignite-m0", mission_id="m0")
        ground.publish_message(other).wait()
        refused = ack_for("cmd-ignite-m0")
        assert (refused.accepted, refused.reason) == (
            False,
            "for mission m0, not the one flown (m1)",
        )
        assert board.stats.commands == 0, "the board never saw a refused command"
        logged = [m.message for m in recorder.messages if isinstance(m, LogRecord)]
        assert any("cmd-ignite-ahead" in line and "from the future" in line for line in logged)
        assert any("cmd-ignite-m0" in line and "for mission m0" in line for line in logged)

        question = command(Device.ROCKET, CommandAction.STATUS, "cmd-status-m0", mission_id="m0")
        ground.publish_message(question).wait()
        assert ack_for("cmd-status-m0").accepted, "a question is answered for any mission"
        ground.publish_message(command(Device.ROCKET, CommandAction.IGNITE, "cmd-ignite-m1")).wait()
        assert ack_for("cmd-ignite-m1").accepted, "the mission's own launch goes"
    finally:
        ground.stop()
        recorder.stop()
    assert rocket.thread.is_alive()
    assert rocket.agent.stats.refused_commands == 3


def test_crew_is_ejected_with_no_ground_service_running(
    private_broker: LocalMosquitto,
    fly: Callable[..., Flight],
    run_agent: Callable[..., RunningAgent],
) -> None:
    """The explosion scenario with only the rocket and suit agents and the broker."""
    recorder = Recorder(private_broker)
    flight = fly("explosion", warp=10)
    run_agent(private_broker, Device.ROCKET, flight.port(Device.ROCKET), clock=clock_of(flight))
    run_agent(private_broker, Device.SUIT, flight.port(Device.SUIT), clock=clock_of(flight))
    try:
        recorder.until(
            lambda: EventType.CAPSULE_LANDED in recorder.events(), 120, "the capsule landing"
        )
    finally:
        recorder.stop()
    events = recorder.events()
    assert events.index(EventType.ABORT) < events.index(EventType.EJECTION)
    assert events.index(EventType.EJECTION) < events.index(EventType.EXPLOSION)
    vitals = [m for m in recorder.messages if isinstance(m, AstronautVitals)]
    phases = {v.phase for v in vitals}
    assert {FlightPhase.ABORT, FlightPhase.PARACHUTES, FlightPhase.LANDED} <= phases
    assert gaps(recorder.seqs[Device.SUIT]) == []


def test_ten_percent_line_garbage_costs_frames_not_the_agent(
    private_broker: LocalMosquitto,
    fly: Callable[..., Flight],
    run_agent: Callable[..., RunningAgent],
    tmp_path: Path,
) -> None:
    """One byte in ten replaced by garbage: few 55-byte suit frames survive intact (about
    0.3 %), and those must all be published; the rest are counted, and nothing stalls."""
    scenario = tmp_path / "garbage.toml"
    scenario.write_text(
        'name = "garbage"\n[[faults]]\nkind = "line_corruption"\ndevice = "suit"\n'
        "at = 0.0\nduration = 100000.0\nrate = 0.10\n"
    )
    recorder = Recorder(private_broker)
    flight = fly(str(scenario), warp=50)
    suit = run_agent(private_broker, Device.SUIT, flight.port(Device.SUIT), clock=clock_of(flight))
    board = flight.sim.boards[Device.SUIT]
    try:
        wait_for(lambda: board.stats.corrupted_bytes > 0, 30, "the garbage to start")
        start = len(recorder.seqs[Device.SUIT])
        recorder.until(
            lambda: len(recorder.seqs[Device.SUIT]) >= start + 5,
            90,
            "intact frames through the garbage",
        )
        middle = len(recorder.seqs[Device.SUIT])
        recorder.until(
            lambda: len(recorder.seqs[Device.SUIT]) >= middle + 5, 90, "telemetry still flowing"
        )
    finally:
        recorder.stop()
    stats = suit.agent.link.stats
    assert stats.bad_frames > 20 * (len(recorder.seqs[Device.SUIT]) - start)
    assert suit.thread.is_alive()
    assert gaps(recorder.seqs[Device.SUIT]) == []
    print(
        f"\nframes good {stats.frames}, bad {stats.bad_frames}, bytes dropped {stats.dropped_bytes}"
    )
