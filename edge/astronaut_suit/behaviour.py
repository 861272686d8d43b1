"""The suit: streams vitals whatever happens and ejects the capsule on the rocket's abort.

It subscribes to the rocket's events directly (the broker ACL allows exactly that), so the path
rocket agent → broker → suit agent → suit board involves no ground service.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from edge.runtime.behaviour import FlightState
from marsy.protocol import (
    Channel,
    CommandAction,
    Device,
    DeviceCommand,
    EventType,
    LogLevel,
    Message,
    MissionEvent,
    Topics,
)
from marsy.protocol.framing import EventFrame

if TYPE_CHECKING:
    from edge.runtime.agent import Agent

logger = logging.getLogger(__name__)


class SuitBehaviour:
    device = Device.SUIT

    def __init__(self) -> None:
        self.ejected_in: str | None = None
        """The mission whose abort already ejected the capsule: one ejection per mission."""

    def subscriptions(self, topics: Topics) -> list[str]:
        return [topics.topic(Channel.EVENTS, Device.ROCKET)]

    def refuse(self, command: DeviceCommand, state: FlightState) -> str | None:
        if command.action in (CommandAction.STATUS, CommandAction.EJECT):
            return None
        return f"the suit cannot {command.action}"

    def on_board_event(self, agent: Agent, frame: EventFrame) -> None:
        if frame.event is EventType.EJECTION:
            self.ejected_in = agent.mission_id

    def on_message(self, agent: Agent, message: Message) -> None:
        if not (isinstance(message, MissionEvent) and message.event is EventType.ABORT):
            return
        if self.ejected_in == agent.mission_id:
            return
        answer = agent.board_call(CommandAction.EJECT)
        if answer is not None and answer.accepted:
            self.ejected_in = agent.mission_id
            agent.log(LogLevel.WARNING, f"capsule ejected on the rocket's abort ({message.detail})")
        else:
            reason = answer.reason if answer is not None else "the board did not answer"
            agent.log(LogLevel.ERROR, f"ejection on abort failed: {reason}")
