"""Flies one simulated mission: servers, the firmware simulator and the agents as processes.

This is the part of the laptop simulation that exists today: a real Mosquitto, the firmware
simulator on ptys (its autopilot stands in for the ground services that order ignition,
staging and payload detach), and the four onboard agents, each its own process. An observer on
the bus prints the mission as it happens and, at the end, what every device delivered.
"""

from __future__ import annotations

import logging
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from marsy.local import LocalMosquitto
from marsy.mqtt import MqttBus
from marsy.protocol import (
    AstronautVitals,
    CommandAck,
    ContractError,
    Device,
    DeviceTelemetry,
    EventType,
    FlightPhase,
    LogRecord,
    Message,
    MissionEvent,
    MissionState,
    MissionStatus,
    Service,
    decode_message,
)
from marsy.sim.children import Child, Supervisor

logger = logging.getLogger(__name__)

FINAL_EVENTS = frozenset({EventType.PAYLOAD_DETACHED, EventType.CAPSULE_LANDED})
BOOT_DELAY = 3.0
"""Wall seconds between starting the children and mission time zero."""


@dataclass
class DeviceTally:
    """Sequence numbers of one device's telemetry seen by the observer."""

    seqs: set[int] = field(default_factory=set)
    duplicates: int = 0

    def gaps(self) -> int:
        return (max(self.seqs) - min(self.seqs) + 1 - len(self.seqs)) if self.seqs else 0


@dataclass
class MissionResult:
    mission_id: str
    events: list[tuple[float, EventType, str]]
    tallies: dict[Device, DeviceTally]
    restarts: dict[str, int]
    completed: bool


@dataclass(frozen=True)
class SimOptions:
    scenario: str = "nominal"
    vehicle: str = "marsy"
    speed: float = 10.0
    seed: int = 0
    run_dir: Path = Path("runs")
    timeout: float = 1500.0
    """Mission seconds after which an unfinished mission is called off."""
    after_final: float = 20.0
    """Mission seconds to keep flying after the final event, for the last telemetry."""


def agent_env(
    broker: LocalMosquitto, device: Device, run: Path, epoch: float, warp: float
) -> dict[str, str]:
    return {
        "MARSY_EDGE_SERIAL_URL": str(run / "ports" / str(device)),
        "MARSY_EDGE_STATE_DIR": str(run / "state"),
        "MARSY_EDGE_MQTT__HOST": "127.0.0.1",
        "MARSY_EDGE_MQTT__PORT": str(broker.port),
        "MARSY_EDGE_MQTT__USERNAME": str(device),
        "MARSY_EDGE_MQTT__PASSWORD": broker.passwords[str(device)],
        "MARSY_EDGE_MQTT__TOPIC_ROOT": broker.topic_root,
        "MARSY_EDGE_CLOCK__EPOCH": repr(epoch),
        "MARSY_EDGE_CLOCK__WARP": repr(warp),
        "MARSY_EDGE_HEARTBEAT_INTERVAL": "2",
    }


def fly(options: SimOptions, say: Callable[[str], None]) -> MissionResult:
    """Fly one mission and return what happened; every child is stopped on the way out."""
    run = options.run_dir / time.strftime("%Y%m%d-%H%M%S")
    run.mkdir(parents=True, exist_ok=True)
    say(f"run folder {run}")
    mission_id = f"M{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:4]}"
    broker = LocalMosquitto(run / "mosquitto")
    broker.start()
    say(f"mosquitto on 127.0.0.1:{broker.port} (the project's broker configuration)")
    supervisor = Supervisor(run / "logs")
    epoch = time.time() + BOOT_DELAY
    marsy = [sys.executable, "-m", "marsy.cli"]
    try:
        supervisor.start(
            Child(
                "firmware",
                [
                    *marsy,
                    "firmware",
                    "--scenario",
                    options.scenario,
                    "--vehicle",
                    options.vehicle,
                    "--seed",
                    str(options.seed),
                    "--warp",
                    repr(options.speed),
                    "--epoch",
                    repr(epoch),
                    "--links",
                    str(run / "ports"),
                    "--autopilot",
                ],
            )
        )
        wait_for_ports(run / "ports")
        for device in Device:
            supervisor.start(
                Child(
                    f"agent-{device}",
                    [*marsy, "agent", str(device)],
                    agent_env(broker, device, run, epoch, options.speed),
                )
            )
        return _observe(options, broker, supervisor, mission_id, epoch, say)
    finally:
        supervisor.stop()
        broker.stop()
        say("every process stopped")


def wait_for_ports(folder: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all((folder / str(d)).exists() for d in Device):
            return
        time.sleep(0.05)
    raise RuntimeError(f"the firmware simulator made no ports in {folder} in {timeout} s")


@dataclass
class _Watch:
    """What the observer has seen of one mission so far."""

    mission_id: str
    epoch: float
    say: Callable[[str], None]
    tallies: dict[Device, DeviceTally] = field(
        default_factory=lambda: {device: DeviceTally() for device in Device}
    )
    events: list[tuple[float, EventType, str]] = field(default_factory=list)
    liftoff: float | None = None
    final: bool = False

    def handle(self, message: Message) -> None:
        if isinstance(message, DeviceTelemetry | AstronautVitals):
            if message.mission_id == self.mission_id:
                tally = self.tallies[message.device]
                tally.duplicates += message.seq in tally.seqs
                tally.seqs.add(message.seq)
        elif isinstance(message, MissionEvent):
            if message.event is EventType.LIFTOFF and self.liftoff is None:
                self.liftoff = message.ts
            t = message.ts - (self.liftoff if self.liftoff is not None else self.epoch)
            self.events.append((t, message.event, message.detail))
            self.say(f"T{t:+8.1f}s  {message.source:<9} {message.event}: {message.detail}")
            self.final = self.final or message.event in FINAL_EVENTS
        elif isinstance(message, LogRecord):
            self.say(f"           {message.source:<9} log: {message.message}")
        elif isinstance(message, CommandAck) and not message.accepted:
            self.say(f"           {message.source:<9} refused {message.action}: {message.reason}")


def announce_mission(broker: LocalMosquitto, mission_id: str, epoch: float, scenario: str) -> None:
    """Until the command service flies missions, the simulation announces the mission itself."""
    director = MqttBus(broker.settings_for(str(Service.COMMAND)), "sim-director", persistent=False)
    director.start()
    try:
        status = MissionStatus(
            mission_id=mission_id,
            source=str(Service.COMMAND),
            seq=0,
            ts=epoch,
            state=MissionState.FLYING,
            phase=FlightPhase.PAD,
            detail=f"scenario {scenario}",
        )
        director.publish_message(status).wait()
    finally:
        director.stop()


def _observe(
    options: SimOptions,
    broker: LocalMosquitto,
    supervisor: Supervisor,
    mission_id: str,
    epoch: float,
    say: Callable[[str], None],
) -> MissionResult:
    observer = MqttBus(broker.settings_for(str(Service.OBSERVER)), "sim-observer", persistent=False)
    observer.subscribe(observer.topics.everything)
    observer.start()
    announce_mission(broker, mission_id, epoch, options.scenario)
    say(f"mission {mission_id}: {options.scenario} at {options.speed:g}x")
    watch = _Watch(mission_id, epoch, say)
    final_at: float | None = None
    try:
        while True:
            for name in supervisor.check():
                say(f"{name} crashed and was restarted")
            now = (time.time() - epoch) * options.speed
            if watch.final and final_at is None:
                final_at = now
            if now > options.timeout or (
                final_at is not None and now > final_at + options.after_final
            ):
                break
            delivery = observer.receive(timeout=0.2)
            if delivery is None:
                continue
            observer.ack(delivery)
            try:
                watch.handle(decode_message(delivery.payload))
            except ContractError:
                continue
    finally:
        observer.stop()
    restarts = {name: child.restarts for name, child in supervisor.children.items()}
    return MissionResult(mission_id, watch.events, watch.tallies, restarts, watch.final)
