"""Bringing the simulation's processes up: the ground until it answers, a vehicle until it is
online, and the weather its scenario meets at the pad.

Apart from :mod:`marsy_sim.mission` because each wait has its own reason to give up (a service
that never answers, a firmware that makes no ports, an agent that never says online) and names
where to look; the mission only asks for the result.
"""

from __future__ import annotations

import time
from pathlib import Path

from marsy.clock import MissionClock
from marsy.logins import OBSERVER_PRESENCE, as_login
from marsy.mqtt import MqttBus
from marsy.protocol import (
    ContractError,
    Device,
    DevicePresence,
    PresenceState,
    Service,
    decode_delivery,
)
from marsy_sim.children import Supervisor
from marsy_sim.plan import GROUND, Plan, Vehicle
from marsy_sim.rest import call


def wait_healthy(plan: Plan, supervisor: Supervisor, timeout: float = 60.0) -> None:
    """Until every ground service answers its health check (a child that died is restarted)."""
    deadline = time.monotonic() + timeout
    waiting = set(GROUND)
    while waiting and time.monotonic() < deadline:
        for name in sorted(waiting):
            try:
                call("GET", f"{plan.url(name)}/health", timeout=1.0)
                waiting.discard(name)
            except (OSError, ValueError):
                pass
        supervisor.check()
        time.sleep(0.1)
    if waiting:
        raise RuntimeError(
            f"services not answering: {', '.join(sorted(waiting))}; see {plan.run / 'logs'}"
        )


def wait_for_ports(folder: Path, timeout: float = 30.0) -> None:
    """Until the firmware simulator made a pty for every device in ``folder``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all((folder / str(d)).exists() for d in Device):
            return
        time.sleep(0.05)
    raise RuntimeError(f"the firmware simulator made no ports in {folder} in {timeout} s")


def roll_out(
    plan: Plan,
    supervisor: Supervisor,
    vehicle: Vehicle,
    scenario: str,
    firmware_vehicle: str,
    seed: int,
) -> list[str]:
    """A new vehicle on the pad: its boards (the firmware simulator) and its four agents; the
    names of their processes, to retire them after the mission."""
    firmware = plan.firmware(scenario, firmware_vehicle, seed, vehicle)
    supervisor.start(firmware)
    wait_for_ports(vehicle.ports)
    agents = [plan.agent(device, vehicle) for device in Device]
    since = MissionClock(plan.epoch, plan.warp).now()
    for agent in agents:
        supervisor.start(agent)
    wait_online(plan, supervisor, since)
    play_weather(plan, scenario)
    return [firmware.name, *(agent.name for agent in agents)]


def play_weather(plan: Plan, scenario: str) -> str:
    """The scenario's weather at the pad from now on, as the operator has the weather service
    play it (each mission of a row meets its own, from its own start); the script's name."""
    from firmware_sim.scenario import load_scenario

    weather = load_scenario(scenario).weather
    call("PUT", f"{plan.url('weather')}/script", plan.tokens["operator"], {"name": weather})
    return weather


def wait_online(plan: Plan, supervisor: Supervisor, since: float, timeout: float = 30.0) -> None:
    """Until every agent of the new vehicle says it is online (a retained "online" older than
    ``since`` is a previous vehicle's), so Command does not find the rocket offline."""
    observer = MqttBus(
        as_login(plan.broker.settings_for(str(Service.OBSERVER)), OBSERVER_PRESENCE),
        persistent=False,
    )
    waiting = {str(device) for device in Device}
    for name in waiting:
        observer.subscribe(observer.topics.presence(name))
    observer.start()
    deadline = time.monotonic() + timeout
    try:
        while waiting and time.monotonic() < deadline:
            supervisor.check()
            delivery = observer.receive(timeout=0.2)
            if delivery is None:
                continue
            observer.ack(delivery)
            try:
                message = decode_delivery(observer.topics, delivery.topic, delivery.payload)
            except ContractError:
                continue
            online = isinstance(message, DevicePresence) and message.state is PresenceState.ONLINE
            if online and message.ts >= since:
                waiting.discard(message.source)
    finally:
        observer.stop()
    if waiting:
        raise RuntimeError(
            f"agents not online after {timeout:.0f} s: {', '.join(sorted(waiting))}; "
            f"see {plan.run / 'logs'}"
        )
