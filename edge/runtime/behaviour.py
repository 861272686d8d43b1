"""What makes one agent different from another: a :class:`Behaviour` per device.

The runtime (:mod:`edge.runtime.agent` and its parts) does the serial line, the outbox, MQTT,
commands and health for every device; a behaviour only says which commands the device's flight
phase allows, what to do on a board event, and what to do on a bus message it subscribed to. It
acts on the agent only through an :class:`AgentPort`: the flight state (read; what it learns is
remembered through the port, so a restart keeps it), the mission id, an event or a log line to
publish, a command to the board; never the agent's threads or transports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from marsy.protocol import (
    CommandAction,
    Device,
    DeviceCommand,
    EventType,
    FlightPhase,
    LogLevel,
    Message,
    Topics,
)
from marsy.protocol.framing import AckFrame, EventFrame


@dataclass
class FlightState:
    """What the agent knows of its device's flight, from its board."""

    phase: FlightPhase = FlightPhase.PAD
    events: set[EventType] = field(default_factory=set)
    peaks: dict[str, float] = field(default_factory=dict)
    """Largest value seen of each parameter this mission (the interview's material)."""
    latest: dict[str, float] = field(default_factory=dict)
    event_times: dict[EventType, float] = field(default_factory=dict)
    """Board time of the first report of each event this mission."""


class AgentPort(Protocol):
    """What a behaviour may do on its agent."""

    @property
    def state(self) -> FlightState:
        """This mission's flight state (a new object when a new mission starts)."""
        ...

    @property
    def mission_id(self) -> str:
        """The mission flown, or standby before any was announced."""
        ...

    def publish_event(self, event: EventType, detail: str = "") -> None:
        """Queue a mission event of this device for the broker."""
        ...

    def remember_event(self, event: EventType, at: float) -> None:
        """A step this device took (its own abort): in the state, kept across a restart."""
        ...

    def remember_time(self, event: EventType, at: float) -> None:
        """When another vehicle's event came: in the state's times, kept across a restart."""
        ...

    def log(self, level: LogLevel, message: str) -> None:
        """Log locally and queue the line for the mission log."""
        ...

    def board_call(
        self, action: CommandAction, level: float = 0.0, command_id: str | None = None
    ) -> AckFrame | None:
        """Command the board and wait for its answer (``None``: it did not answer)."""
        ...


class Behaviour(Protocol):
    device: Device

    def subscriptions(self, topics: Topics) -> list[str]:
        """Topics beyond the device's own commands and the mission status."""
        ...

    def refuse(self, command: DeviceCommand, state: FlightState) -> str | None:
        """Why ``command`` is not valid now, or ``None`` to forward it to the board."""
        ...

    def answer(self, command: DeviceCommand, state: FlightState) -> str | None:
        """An answer the agent gives itself, without the board (``None``: ask the board)."""
        ...

    def on_board_event(self, agent: AgentPort, frame: EventFrame) -> None:
        """Called for every event the board reports, before it is published."""
        ...

    def on_message(self, agent: AgentPort, message: Message) -> None:
        """Called for messages on :meth:`subscriptions`."""
        ...


class PlainBehaviour:
    """A device that only reports: every command but STATUS goes to the board as is."""

    def __init__(self, device: Device) -> None:
        self.device = device

    def subscriptions(self, topics: Topics) -> list[str]:
        return []

    def refuse(self, command: DeviceCommand, state: FlightState) -> str | None:
        return None

    def answer(self, command: DeviceCommand, state: FlightState) -> str | None:
        return None

    def on_board_event(self, agent: AgentPort, frame: EventFrame) -> None:
        return None

    def on_message(self, agent: AgentPort, message: Message) -> None:
        return None
