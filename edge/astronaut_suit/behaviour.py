"""The suit: streams vitals whatever happens and ejects the capsule on the rocket's abort.

It subscribes to the rocket's events directly (the broker ACL allows exactly that), so the path
rocket agent → broker → suit agent → suit board involves no ground service.
"""

from __future__ import annotations

import logging

from edge.runtime.behaviour import AgentPort, FlightState
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
        if command.action is CommandAction.INTERVIEW:
            return None if command.text else "an interview needs a question"
        return f"the suit cannot {command.action}"

    def answer(self, command: DeviceCommand, state: FlightState) -> str | None:
        if command.action is not CommandAction.INTERVIEW:
            return None
        return interview_answer(command.text or "", state)

    def on_board_event(self, agent: AgentPort, frame: EventFrame) -> None:
        if frame.event is EventType.EJECTION:
            self.ejected_in = agent.mission_id

    def on_message(self, agent: AgentPort, message: Message) -> None:
        if not isinstance(message, MissionEvent):
            return
        agent.remember_time(message.event, message.ts)  # for the interview, across a restart
        if message.event is not EventType.ABORT:
            return
        if self.ejected_in == agent.mission_id or EventType.EJECTION in agent.state.events:
            return  # ejected already (before a restart, the board's event says so)
        answer = agent.board_call(CommandAction.EJECT)
        if answer is not None and answer.accepted:
            self.ejected_in = agent.mission_id
            agent.log(LogLevel.WARNING, f"capsule ejected on the rocket's abort ({message.detail})")
        else:
            reason = answer.reason if answer is not None else "the board did not answer"
            agent.log(LogLevel.ERROR, f"ejection on abort failed: {reason}")


def interview_answer(question: str, state: FlightState) -> str:
    """The astronaut's answer to ``question``, built from their own flight as the suit measured
    it: peak g-load and heart rate, and when Max-Q, orbit or the ejection came. A question about
    Max-Q, how they are, or a word for the audience gets its own answer; anything else, the whole
    ride."""
    times = state.event_times
    liftoff = times.get(EventType.LIFTOFF)
    asked = question.lower()
    peak_g = state.peaks.get("g_load")
    peak_hr = state.peaks.get("heart_rate")
    if not state.peaks and not times:
        return "Ask me again once we have flown."
    if "max-q" in asked or "max q" in asked:
        if liftoff is None or EventType.MAX_Q not in times:
            return "We never got that far: there was no Max-Q on this flight for me."
        return (
            f"Max-Q came {times[EventType.MAX_Q] - liftoff:.0f} s after lift-off. The whole "
            "stack shook, then the engines throttled back and it smoothed out."
        )
    if "how are you" in asked:
        pulse = state.latest.get("heart_rate")
        now = f", my heart is back to {pulse:.0f} beats a minute" if pulse is not None else ""
        if EventType.EJECTION in times:
            return f"Shaken, but fine{now}. The capsule came down under its parachutes."
        return f"Feeling great{now}. The view from up here is worth every g."
    if "tell" in asked or "watching" in asked:
        if EventType.EJECTION in times:
            return (
                "The escape system works, and so does the team behind it: "
                "I am here to say so. We will fly again."
            )
        return "Thank you for watching: keep looking up, we are on our way."
    story = []
    if EventType.EJECTION in times:
        story.append(
            "The ejection was the hardest moment: a kick in the back, then the "
            "parachutes and the calm of the descent."
        )
    elif EventType.ORBIT in times:
        story.append("We made it to orbit and the payload is on its way.")
    facts = []
    if peak_g is not None:
        facts.append(f"I felt up to {peak_g:.1f} g")
    if peak_hr is not None:
        facts.append(f"my heart went up to {peak_hr:.0f} beats a minute")
    if liftoff is not None and EventType.ORBIT in times:
        facts.append(f"we reached orbit {times[EventType.ORBIT] - liftoff:.0f} s after lift-off")
    if facts:
        story.append(facts[0][0].upper() + "; ".join(facts)[1:] + ".")
    return " ".join(story)
