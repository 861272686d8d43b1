"""The :class:`~edge.runtime.behaviour.AgentPort` a behaviour acts through, over the agent's
memory, publisher and board: all a behaviour may touch, and nothing of the threads or transports.
"""

from __future__ import annotations

from edge.runtime.behaviour import FlightState
from edge.runtime.board import Board
from edge.runtime.memory import FlightMemory
from edge.runtime.publisher import Publisher
from marsy.protocol import CommandAction, EventType, LogLevel
from marsy.protocol.framing import AckFrame


class DevicePort:
    """One device's port for its behaviour."""

    def __init__(self, memory: FlightMemory, publisher: Publisher, board: Board) -> None:
        self._memory = memory
        self._publisher = publisher
        self._board = board

    @property
    def state(self) -> FlightState:
        return self._memory.state

    @property
    def mission_id(self) -> str:
        return self._memory.mission_id

    def publish_event(self, event: EventType, detail: str = "") -> None:
        self._publisher.event(event, detail)

    def remember_event(self, event: EventType, at: float) -> None:
        self._memory.record_event(event, at)

    def remember_time(self, event: EventType, at: float) -> None:
        self._memory.record_time(event, at)

    def log(self, level: LogLevel, message: str) -> None:
        self._publisher.log(level, message)

    def board_call(
        self, action: CommandAction, level: float = 0.0, command_id: str | None = None
    ) -> AckFrame | None:
        return self._board.call(action, level, command_id)
