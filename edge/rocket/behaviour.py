"""The rocket: refuses commands its flight phase does not allow, and raises the crew abort.

On a critical board event (explosion imminent, engine failure) the rocket publishes ABORT on its
own events topic at once; the suit agent hears it directly and ejects the capsule. No ground
service is on that path, so the crew's safety does not depend on the ground.
"""

from __future__ import annotations

from edge.runtime.behaviour import AgentPort, FlightState
from marsy.protocol import (
    ROCKET_ACCEPTS,
    CommandAction,
    Device,
    DeviceCommand,
    EventType,
    Message,
    Topics,
)
from marsy.protocol.framing import EventFrame

CRITICAL = frozenset({EventType.EXPLOSION_IMMINENT, EventType.ENGINE_FAILURE})


class RocketBehaviour:
    device = Device.ROCKET

    def subscriptions(self, topics: Topics) -> list[str]:
        return []

    def refuse(self, command: DeviceCommand, state: FlightState) -> str | None:
        action = command.action
        if action is CommandAction.STATUS:
            return None
        if action in (CommandAction.EJECT, CommandAction.INTERVIEW):
            return f"{action} is a command for the suit, not the rocket"
        if action is CommandAction.SEPARATE and EventType.STAGE_SEPARATION in state.events:
            return "the stages are already separated"
        if action is CommandAction.DETACH:
            if EventType.STAGE_SEPARATION not in state.events:
                return "no payload detach before stage separation"
            if EventType.PAYLOAD_DETACHED in state.events:
                return "the payload is already detached"
        allowed = ROCKET_ACCEPTS.get(action, frozenset())
        if state.phase not in allowed:
            return f"{action} is not allowed in phase {state.phase}"
        return None

    def answer(self, command: DeviceCommand, state: FlightState) -> str | None:
        return None

    def on_board_event(self, agent: AgentPort, frame: EventFrame) -> None:
        if frame.event in CRITICAL and EventType.ABORT not in agent.state.events:
            agent.remember_event(EventType.ABORT, frame.time)
            # Published before the board's own event: the crew's path must not wait on anything.
            agent.publish_event(EventType.ABORT, f"{frame.event}: {frame.detail}")

    def on_message(self, agent: AgentPort, message: Message) -> None:
        return None
