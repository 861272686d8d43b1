"""A rocket agent whose outbox's disk is full for 20 s mid-flight loses no frame: what the disk
refused waited in memory, numbered, and went out once it took writes again; the agent's own
counters (retained) say so, with the standby samples apart, and the mission log heard of it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from devservers import LocalMosquitto
from edge.agents import behaviour_for
from edge.runtime.factory import open_agent
from marsy.mqtt import MqttBus
from marsy.protocol import Device, DeviceCounters, DeviceTelemetry, LogRecord
from marsy.protocol.commanding import STANDBY
from tests.edge.conftest import Flight, agent_settings
from tests.edge.fulldisk import full_disk
from tests.edge.test_agents import Recorder, announce, clock_of, gaps
from tests.waiting import wait_for

pytestmark = pytest.mark.integration

FULL_FOR = 20.0


def test_a_full_disk_for_20_s_mid_flight_costs_no_frame(
    private_broker: LocalMosquitto, fly: Callable[..., Flight], tmp_path: Path
) -> None:
    recorder = Recorder(private_broker)
    ground = MqttBus(private_broker.settings_for("command"))
    ground.start()
    flight = fly("nominal", warp=10)
    with full_disk(tmp_path / "disk") as disk:
        settings = agent_settings(
            private_broker,
            Device.ROCKET,
            flight.port(Device.ROCKET),
            disk.folder,
            clock=clock_of(flight),
        )
        agent = open_agent(settings, behaviour_for(Device.ROCKET), clock=settings.clock.clock())
        stop = threading.Event()
        thread = threading.Thread(target=agent.run, args=(stop,), daemon=True)
        thread.start()

        def samples(mission: str) -> list[DeviceTelemetry]:
            return [
                m
                for m in recorder.messages
                if isinstance(m, DeviceTelemetry) and m.mission_id == mission
            ]

        try:
            recorder.until(lambda: len(samples(STANDBY)) > 10, 30, "standby samples")
            announce(ground, "M1")
            recorder.until(lambda: len(samples("M1")) > 50, 30, "the mission's samples")
            disk.fill()
            wait_for(lambda: agent.outbox.held() > 0, 10, "the disk to refuse the outbox")
            time.sleep(FULL_FOR)  # the full stretch itself: the agent holds what it reads
            held = agent.outbox.held()
            disk.free()
            wait_for(lambda: agent.outbox.held() == 0, 20, "the held messages to be written")
            recorder.until(lambda: len(samples("M1")) > 100 + held, 30, "the held samples")
        finally:
            stop.set()
            thread.join(20)
            recorder.drain(2)
            recorder.stop()
            ground.stop()
    assert held > 500, "the stretch held many samples in memory"
    seqs = {m.seq for m in samples("M1")}
    last = [m for m in recorder.messages if isinstance(m, DeviceCounters)][-1]
    assert last.mission_id == "M1"
    counters = last.counters
    telemetry = counters.streams["telemetry"]
    assert telemetry.dropped == 0 and counters.dropped_full == 0
    assert seqs == set(range(telemetry.numbered)), "every sample numbered reached the broker"
    assert counters.write_failures > 0 and counters.held_total >= held
    assert counters.held == 0
    assert counters.frames_read >= telemetry.numbered
    standby = {m.seq for m in samples(STANDBY)}
    assert counters.standby["telemetry"].numbered == len(standby) == max(standby) + 1
    assert gaps(standby) == []
    logs = [m.message for m in recorder.messages if isinstance(m, LogRecord)]
    assert any(line.startswith("the disk refuses writes") for line in logs), logs
