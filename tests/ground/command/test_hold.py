"""The go/no-go loop on a fake clock: a weather no-go holds and is polled until the window
closes, a go launches at the first poll that hears it, a rocket no-go scrubs at once, and each
change is said once."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ground.command.hold import (
    Answer,
    LaunchWindow,
    Verdict,
    hold,
    judge,
    poll_round,
    spoken,
)

STORM = Answer("weather", False, ("gusts 26 m/s above 19 m/s", "lightning 6 km away"))
CALM = Answer("weather", True)
READY = Answer("rocket", True)
LEAK = Answer("rocket", False, ("cabin_pressure 65000 Pa below its red limit 70000 Pa",))


class FakeClock:
    """Mission time that moves only when the loop waits."""

    def __init__(self, t: float = 1000.0) -> None:
        self.t = t
        self.waits: list[float] = []

    def now(self) -> float:
        return self.t

    def wait(self, seconds: float) -> bool:
        self.waits.append(seconds)
        self.t += seconds
        return False


def weather_until(clears_at: float | None, clock: FakeClock) -> Callable[[str], Answer]:
    """The weather no-go until ``clears_at`` (mission time; never when ``None``), the rocket
    ready."""

    def ask(who: str) -> Answer:
        if who == "rocket":
            return READY
        return CALM if clears_at is not None and clock.t >= clears_at else STORM

    return ask


def test_a_weather_no_go_holds_until_the_window_closes_then_scrubs_with_the_reasons() -> None:
    clock = FakeClock()
    window = LaunchWindow(clock.t, 120.0, 10.0)
    polls: list[float] = []
    ask = weather_until(None, clock)

    def poll() -> tuple[Answer, ...]:
        polls.append(clock.t - window.opens)
        return poll_round(ask)

    step = hold(window, poll, clock.now, clock.wait, first=clock.t + 10.0)
    assert step is not None and step.verdict is Verdict.SCRUB
    assert polls == [10.0 * n for n in range(1, 13)], "every 10 s, the last at the close"
    assert step.detail == (
        "launch window closed: weather: gusts 26 m/s above 19 m/s; weather: lightning 6 km away"
    )


def test_the_launch_goes_at_the_first_poll_after_the_weather_clears() -> None:
    clock = FakeClock()
    window = LaunchWindow(clock.t, 120.0, 10.0)
    asked: list[tuple[float, str]] = []
    weather = weather_until(clock.t + 45.0, clock)

    def ask(who: str) -> Answer:
        asked.append((clock.t - window.opens, who))
        return weather(who)

    step = hold(window, lambda: poll_round(ask), clock.now, clock.wait, first=clock.t + 10.0)
    assert step is not None and step.verdict is Verdict.LAUNCH
    assert clock.t - window.opens == 50.0
    assert [who for t, who in asked if t < 50.0] == ["weather"] * 4, "no rocket check on a no-go"
    assert asked[-2:] == [(50.0, "weather"), (50.0, "rocket")]


def test_a_stop_ends_the_hold_without_a_verdict() -> None:
    clock = FakeClock()
    window = LaunchWindow(clock.t, 120.0, 10.0)
    stops = iter([False, False, True])
    polled: list[float] = []

    def poll() -> tuple[Answer, ...]:
        polled.append(clock.t)
        return (STORM,)

    assert hold(window, poll, clock.now, lambda s: next(stops), first=clock.t) is None
    assert len(polled) == 2


@pytest.mark.parametrize("window_length", [0.0, 120.0])
def test_a_rocket_no_go_scrubs_at_once_whatever_the_window(window_length: float) -> None:
    window = LaunchWindow(0.0, window_length, 10.0)
    step = judge((CALM, LEAK), window, 0.0)
    assert step.verdict is Verdict.SCRUB
    assert step.detail == "rocket: cabin_pressure 65000 Pa below its red limit 70000 Pa"


def test_judge_holds_while_the_window_is_open_and_names_the_next_poll() -> None:
    window = LaunchWindow(100.0, 60.0, 10.0)
    held = judge((STORM,), window, 100.0)
    assert (held.verdict, held.next_poll) == (Verdict.HOLD, 110.0)
    assert held.detail.endswith("; polling every 10 s")
    assert "weather: gusts 26 m/s" in held.detail
    late = judge((STORM,), window, 150.5)
    assert (late.verdict, late.next_poll) == (Verdict.HOLD, 160.0), "a last poll at the close"
    assert judge((STORM,), window, 160.0).verdict is Verdict.SCRUB
    assert judge((CALM, READY), window, 155.0).verdict is Verdict.LAUNCH
    no_window = judge((STORM,), LaunchWindow(100.0, 0.0, 10.0), 100.0)
    assert no_window.verdict is Verdict.SCRUB
    assert not no_window.detail.startswith("launch window closed")


def test_a_change_is_said_once_and_a_repeat_not_at_all() -> None:
    window = LaunchWindow(0.0, 120.0, 10.0)
    first = spoken(STORM, None, window, 0.0)
    assert first is not None and first.startswith("Hold: the weather is no-go: gusts 26 m/s")
    assert "every 10 s" in first and "closes in 120 s" in first
    assert spoken(STORM, STORM, window, 10.0) is None
    front = Answer("weather", False, ("precipitation 3 mm/h above 0 mm/h",))
    assert spoken(front, STORM, window, 30.0) == (
        "The weather is still no-go: precipitation 3 mm/h above 0 mm/h. The window closes in 90 s."
    )
    assert spoken(CALM, front, window, 50.0) == "The weather is go again."
    assert spoken(CALM, None, window, 0.0) is None, "a first go is no news"
    assert spoken(LEAK, None, window, 0.0) == (
        "The rocket is no-go: cabin_pressure 65000 Pa below its red limit 70000 Pa."
    )


def test_a_window_survives_the_log() -> None:
    window = LaunchWindow(100.0, 120.0, 10.0)
    assert LaunchWindow.from_data(window.as_data()) == window
    assert LaunchWindow.from_data({}) is None
    assert LaunchWindow.from_data({"opens": 1, "closes": 2, "every": 0}) is None
