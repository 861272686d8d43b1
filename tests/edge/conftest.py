"""Fixtures for agent tests: the firmware simulator on ptys and agents on a real broker."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devservers import LocalMosquitto
from edge.agents import behaviour_for
from edge.runtime.agent import Agent
from edge.runtime.factory import open_agent
from firmware_sim.scenario import load_scenario
from firmware_sim.simulator import Simulator, build_simulator
from marsy.protocol import Device
from marsy.settings import EdgeSettings


@dataclass
class Flight:
    sim: Simulator
    stop: threading.Event
    thread: threading.Thread

    def port(self, device: Device) -> str:
        return self.sim.runner.ports[device].path


@pytest.fixture
def fly() -> Iterator[Callable[..., Flight]]:
    """Start the firmware simulator in a thread: ``fly(scenario, warp=..., autopilot=...)``."""
    flights: list[Flight] = []

    def start(
        scenario: str = "nominal", *, warp: float = 20.0, autopilot: bool = True, seed: int = 1
    ) -> Flight:
        sim = build_simulator(
            "marsy", load_scenario(scenario), warp=warp, seed=seed, autopilot=autopilot
        )
        stop = threading.Event()
        thread = threading.Thread(target=sim.runner.run, args=(stop,), daemon=True)
        flight = Flight(sim, stop, thread)
        flights.append(flight)
        thread.start()
        return flight

    yield start
    for flight in flights:
        flight.stop.set()
        flight.thread.join(10)
        flight.sim.runner.close()


def agent_settings(
    broker: LocalMosquitto, device: Device, port: str, state: Path, **extra: object
) -> EdgeSettings:
    return EdgeSettings.load(
        device=device,
        serial_url=port,
        state_dir=state,
        heartbeat_interval=1.0,
        mqtt=broker.settings_for(str(device)),
        **extra,
    )


@dataclass
class RunningAgent:
    agent: Agent
    stop: threading.Event
    thread: threading.Thread

    def halt(self) -> None:
        self.stop.set()
        self.thread.join(15)


@pytest.fixture
def run_agent(tmp_path: Path) -> Iterator[Callable[..., RunningAgent]]:
    """Start an agent in a thread: ``run_agent(broker, device, port)``; stopped at the end."""
    running: list[RunningAgent] = []

    def start(broker: LocalMosquitto, device: Device, port: str, **extra: object) -> RunningAgent:
        settings = agent_settings(broker, device, port, tmp_path / "state", **extra)
        agent = open_agent(settings, behaviour_for(device), clock=settings.clock.clock())
        stop = threading.Event()
        thread = threading.Thread(target=agent.run, args=(stop,), daemon=True)
        thread.start()
        handle = RunningAgent(agent, stop, thread)
        running.append(handle)
        return handle

    yield start
    for handle in running:
        handle.halt()
