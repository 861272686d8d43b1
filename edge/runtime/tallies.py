"""The agent's counters, held in memory and written with each outbox transaction.

A counter is a name and a value: ``seq:<mission>:<stream>`` is the next number of a stream (how
many messages of it the agent numbered), ``drop:<mission>:<stream>`` how many of those the
agent itself had to drop, ``count:<mission>:<what>`` what it counted of its board (frames read,
bad, refused). The value in memory is the truth: it moves at once, even while the disk is full,
and is written (as is, never added to) with the next transaction that commits. So a number
given is never given again, and what the agent counted reaches the ground however its disk is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

SEQ = "seq"
DROP = "drop"
COUNT = "count"


def name(kind: str, mission: str, what: str) -> str:
    """A counter's name (mission ids and stream names hold no colon)."""
    return f"{kind}:{mission}:{what}"


def split(counter: str) -> tuple[str, str, str] | None:
    """(kind, mission, what) of a per-mission counter's name, ``None`` for another."""
    parts = counter.split(":")
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 else None


@dataclass(frozen=True)
class MissionTally:
    """What one mission's counters say, per stream and per thing counted."""

    numbered: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


class Tallies:
    """Counters in memory over the ones on disk (read through ``load`` on first use)."""

    def __init__(self, load: Callable[[str], int]) -> None:
        self._load = load
        self._values: dict[str, int] = {}
        self._dirty: set[str] = set()

    def get(self, counter: str) -> int:
        if counter not in self._values:
            self._values[counter] = self._load(counter)
        return self._values[counter]

    def add(self, counter: str, count: int = 1) -> None:
        if count:
            self._values[counter] = self.get(counter) + count
            self._dirty.add(counter)

    def raise_to(self, counter: str, value: int) -> int:
        """Move ``counter`` up to ``value`` if it is below; by how much it moved."""
        moved = max(0, value - self.get(counter))
        self.add(counter, moved)
        return moved

    def dirty(self) -> dict[str, int]:
        """The counters moved since the last commit, with their values."""
        return {counter: self._values[counter] for counter in self._dirty}

    def committed(self) -> None:
        self._dirty.clear()

    def mission(self, mission: str, stored: Iterable[tuple[str, int]]) -> MissionTally:
        """One mission's counters: the ``stored`` ones overlaid with those in memory."""
        values = dict(stored)
        values.update(self._values)
        tally = MissionTally()
        tables = {SEQ: tally.numbered, DROP: tally.dropped, COUNT: tally.counts}
        for counter, value in values.items():
            parts = split(counter)
            if parts is not None and parts[1] == mission and parts[0] in tables:
                tables[parts[0]][parts[2]] = value
        return tally
