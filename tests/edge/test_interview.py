"""The astronaut's interview answers come from their own flight data."""

from __future__ import annotations

from edge.astronaut_suit.behaviour import SuitBehaviour, interview_answer
from edge.runtime.behaviour import FlightState
from marsy.protocol import CommandAction, Device, DeviceCommand, EventType


def question(text: str | None) -> DeviceCommand:
    return DeviceCommand(
        mission_id="m",
        source="webcaster",
        seq=1,
        ts=1.0,
        command_id="interview-01",
        device=Device.SUIT,
        action=CommandAction.INTERVIEW,
        text=text,
    )


def test_answer_quotes_the_peaks_and_the_timeline() -> None:
    state = FlightState(
        peaks={"g_load": 3.84, "heart_rate": 131.2},
        event_times={EventType.LIFTOFF: 100.0, EventType.MAX_Q: 157.0, EventType.ORBIT: 557.0},
    )
    answer = interview_answer("How was the ride up?", state)
    assert "orbit" in answer
    assert "3.8 g" in answer and "131 beats" in answer
    assert "457 s after lift-off" in answer
    assert interview_answer("What was Max-Q like?", state).startswith(
        "Max-Q came 57 s after lift-off"
    )
    assert "keep looking up" in interview_answer("What would you tell everyone watching?", state)


def test_an_ejection_is_the_story() -> None:
    state = FlightState(
        peaks={"g_load": 9.5},
        latest={"heart_rate": 92.4},
        event_times={EventType.EJECTION: 130.0},
    )
    assert interview_answer("And the abort?", state).startswith("The ejection was the hardest")
    assert interview_answer("You are down safely. How are you?", state) == (
        "Shaken, but fine, my heart is back to 92 beats a minute. "
        "The capsule came down under its parachutes."
    )
    assert "escape system works" in interview_answer("What would you tell everyone?", state)


def test_the_suit_answers_itself_and_needs_a_question() -> None:
    suit = SuitBehaviour()
    state = FlightState(peaks={"g_load": 2.0})
    assert suit.refuse(question(None), state) == "an interview needs a question"
    assert suit.refuse(question("Hi?"), state) is None
    assert "2.0 g" in (suit.answer(question("Hi?"), state) or "")
    assert interview_answer("Hi?", FlightState()) == "Ask me again once we have flown."
