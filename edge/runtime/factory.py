"""Build an agent and its transports from its settings: the one place that opens things.

The outbox's database is opened (and its folder made) here, and what the agent remembers of the
mission it flew is read from it; the board's line and the broker are only described (the line
opens on first use, the bus connects when the agent runs).
"""

from __future__ import annotations

from edge.runtime.agent import Agent
from edge.runtime.behaviour import Behaviour
from edge.runtime.memory import FlightMemory
from edge.runtime.outbox import Outbox
from edge.runtime.serial_link import SerialLink
from marsy.clock import MissionClock
from marsy.mqtt import MqttBus
from marsy.settings import EdgeSettings


def open_agent(
    settings: EdgeSettings, behaviour: Behaviour, *, clock: MissionClock | None = None
) -> Agent:
    """The agent of ``settings.device`` on its board, broker and on-disk outbox."""
    clock = clock or settings.clock.clock()
    device = settings.device
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    outbox = Outbox(settings.state_dir / f"{device}-outbox.db", capacity=settings.outbox_capacity)
    return Agent(
        settings,
        behaviour,
        link=SerialLink(settings.serial_url, baudrate=settings.baudrate),
        bus=MqttBus(settings.mqtt, presence=str(device), clock=clock),
        outbox=outbox,
        memory=FlightMemory.restore(outbox),
        clock=clock,
    )
