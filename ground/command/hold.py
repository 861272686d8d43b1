"""The go/no-go loop before a launch: who is asked, what a no-go leads to, when to ask again.

A weather no-go is waited out: the launch is held and the weather polled again every
``every`` mission seconds until the launch window closes, then scrubbed with the weather's
reasons; the launch goes as soon as every answer is go. A rocket no-go scrubs at once: a rocket
found not ready is not waited for on the pad. The rocket is asked only once the weather is go.

Pure: the answers come in through ``ask``, time through ``now`` and ``wait``; the director
(:mod:`ground.command.director`) does the calls, the log and the bus.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

WEATHER = "weather"
ROCKET = "rocket"
POLLED = (WEATHER, ROCKET)
"""Asked in this order; a no-go stops the round (no rocket check on a weather no-go)."""
WAITED_FOR = frozenset({WEATHER})
"""Whose no-go holds the launch instead of scrubbing it: the weather changes by itself."""


@dataclass(frozen=True)
class Answer:
    """One go/no-go answer: who gave it, go or not, and every reason against."""

    who: str
    go: bool
    reasons: tuple[str, ...] = ()

    @property
    def verdict(self) -> str:
        return "go" if self.go else "no-go"

    @property
    def why(self) -> str:
        """The reasons in one line ("no-go" when none was given)."""
        return "; ".join(self.reasons) or self.verdict

    @property
    def detail(self) -> str:
        """What the go/no-go event says: ``weather: no-go: gusts 26 m/s above 19 m/s``."""
        return f"{self.who}: {self.verdict}" + ("" if self.go else f": {self.why}")

    def same_as(self, other: Answer | None) -> bool:
        """Whether ``other`` says the same thing (worth announcing again only when not)."""
        return other is not None and (other.go, other.reasons) == (self.go, self.reasons)


@dataclass(frozen=True)
class LaunchWindow:
    """From the first poll (``opens``, mission time) for ``length`` seconds, polled ``every``."""

    opens: float
    length: float
    every: float

    @property
    def closes(self) -> float:
        return self.opens + self.length

    def next_poll(self, now: float) -> float | None:
        """When to poll again after a poll at ``now``: ``every`` later, the last time at the
        close itself (the window is open until then); ``None`` once it has closed."""
        if now >= self.closes - 1e-9:
            return None
        return min(now + self.every, self.closes)

    def as_data(self) -> dict[str, float]:
        return {"opens": self.opens, "closes": self.closes, "every": self.every}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> LaunchWindow | None:
        """The window an entry recorded (:meth:`as_data`), or ``None`` if it holds none."""
        try:
            opens, closes, every = (float(data[k]) for k in ("opens", "closes", "every"))
        except (KeyError, TypeError, ValueError):
            return None
        return cls(opens, max(0.0, closes - opens), every) if every > 0 else None


class Verdict(StrEnum):
    LAUNCH = "launch"
    HOLD = "hold"
    SCRUB = "scrub"


@dataclass(frozen=True)
class Step:
    """What a round of answers leads to."""

    verdict: Verdict
    detail: str
    """Why, in the words of the retained status and the scrub."""
    next_poll: float | None = None
    """For a hold: when to poll again (mission time)."""


def judge(answers: Sequence[Answer], window: LaunchWindow, now: float) -> Step:
    """The step a round of ``answers`` polled at ``now`` leads to."""
    against = [answer for answer in answers if not answer.go]
    if not against:
        return Step(Verdict.LAUNCH, "every answer go")
    reasons = "; ".join(f"{a.who}: {reason}" for a in against for reason in a.reasons or ["no-go"])
    if any(answer.who not in WAITED_FOR for answer in against):
        return Step(Verdict.SCRUB, reasons)
    next_poll = window.next_poll(now)
    if next_poll is None:
        closed = "launch window closed: " if window.length > 0 else ""
        return Step(Verdict.SCRUB, f"{closed}{reasons}")
    return Step(Verdict.HOLD, f"{reasons}; polling every {window.every:g} s", next_poll)


def poll_round(ask: Callable[[str], Answer]) -> tuple[Answer, ...]:
    """One round: each of :data:`POLLED` in order, stopping at the first no-go."""
    answers: list[Answer] = []
    for who in POLLED:
        answers.append(ask(who))
        if not answers[-1].go:
            break
    return tuple(answers)


def hold(
    window: LaunchWindow,
    poll: Callable[[], Sequence[Answer]],
    now: Callable[[], float],
    wait: Callable[[float], bool],
    first: float,
) -> Step | None:
    """Poll at ``first`` (mission time), then as each hold says, until the launch or the scrub;
    ``None`` when ``wait`` (mission seconds; ``True`` once stopping) is cut short."""
    at = first
    while True:
        if wait(max(0.0, at - now())):
            return None
        polled = now()
        step = judge(poll(), window, polled)
        if step.verdict is not Verdict.HOLD or step.next_poll is None:
            return step
        at = step.next_poll


def spoken(answer: Answer, before: Answer | None, window: LaunchWindow, now: float) -> str | None:
    """The commentary line for an answer, or ``None`` when it is not worth a line: said once per
    change, never for a go heard first time (the launch itself is the news then)."""
    if answer.same_as(before):
        return None
    if answer.go:
        return None if before is None else f"The {answer.who} is go again."
    if answer.who not in WAITED_FOR:
        return f"The {answer.who} is no-go: {answer.why}."
    left = max(0.0, window.closes - now)
    if before is None or before.go:
        return (
            f"Hold: the {answer.who} is no-go: {answer.why}. Polling again every "
            f"{window.every:g} s; the launch window closes in {left:.0f} s."
        )
    return f"The {answer.who} is still no-go: {answer.why}. The window closes in {left:.0f} s."
