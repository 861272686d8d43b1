"""Whether a mission flew, and if not, why: a mission scrubbed on the pad has go/no-go answers in
its timeline and maybe no telemetry at all, so its report says that instead of drawing nothing.

Pure: the mission's log in, a verdict out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ground.command.picture import Kind
from ground.command.store import Entry, Mission
from marsy.protocol import EventType, MissionState

FLOWN = frozenset({MissionState.FLYING, MissionState.COMPLETE, MissionState.ABORTED})
"""States only reached after the launch order (a pad abort is flown: its crew ejected)."""


@dataclass(frozen=True)
class Grounded:
    """A mission that never left the pad."""

    state: MissionState
    detail: str
    """Command's last word on the mission (a scrub's joined reasons)."""
    answers: tuple[tuple[str, bool, tuple[str, ...]], ...]
    """Each go/no-go answer in order: who, go or not, its reasons."""
    refusals: tuple[str, ...]
    """Command's decisions that kept it down (a launch the launchpad refused)."""

    @property
    def headline(self) -> str:
        if self.state is MissionState.SCRUBBED:
            return "This mission never flew: it was scrubbed on the pad."
        return f"This mission has not flown: it is {self.state}."

    @property
    def reasons(self) -> list[str]:
        """Every reason given against the launch, ``who: why``."""
        said = [f"{who}: {why}" for who, go, whys in self.answers if not go for why in whys]
        said += [f"{who}: no-go" for who, go, whys in self.answers if not go and not whys]
        return said + list(self.refusals)


def _reasons(entry: Entry) -> tuple[str, ...]:
    return tuple(str(reason) for reason in entry.data.get("reasons", []))


def grounded(mission: Mission, timeline: Sequence[Entry]) -> Grounded | None:
    """``None`` for a mission that flew (lift-off seen, or a state only a launch reaches)."""
    lifted = any(e.kind == Kind.EVENT and e.text == EventType.LIFTOFF for e in timeline)
    if lifted or mission.state in FLOWN:
        return None
    answers = tuple(
        (entry.source, bool(entry.data.get("go")), _reasons(entry))
        for entry in timeline
        if entry.kind == Kind.GO_NO_GO
    )
    refusals = tuple(
        f"{entry.data.get('what', entry.text)}: {entry.data.get('detail') or 'refused'}"
        for entry in timeline
        if entry.kind == Kind.DECISION and entry.data.get("go") is False
    )
    return Grounded(mission.state, mission.detail, answers, refusals)
