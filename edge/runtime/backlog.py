"""What waits in memory while the outbox cannot write (a full disk, an I/O error).

Every write the outbox could not commit waits here, in order, for the next attempt: queued
messages (already numbered), acknowledgements, removals and remembered values. The messages are
bounded: past ``limit`` the oldest ones go first, each counted by mission and stream, so a loss
is never silent; a command's answer is never dropped (its journal entry goes with it, and a
command must not be answered twice differently).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

Row = tuple[str, bytes, int]
"""(topic, payload, retain) of one message."""


@dataclass(frozen=True)
class Rows:
    """Messages queued together; ``stream`` is ``None`` for an exact copy sent again."""

    mission: str | None
    stream: str | None
    rows: list[Row]
    answers: str | None = None

    @property
    def droppable(self) -> bool:
        return self.answers is None and self.stream is not None


@dataclass(frozen=True)
class Acks:
    ids: list[int]
    at: float


@dataclass(frozen=True)
class Removal:
    ids: list[int]


@dataclass(frozen=True)
class Meta:
    name: str
    value: str


Write = Rows | Acks | Removal | Meta


@dataclass
class Backlog:
    """Writes waiting for the outbox, in the order they were made."""

    limit: int
    writes: deque[Write] = field(default_factory=deque)
    rows: int = 0
    """Messages waiting."""

    def __bool__(self) -> bool:
        return bool(self.writes)

    def __iter__(self) -> Iterator[Write]:
        return iter(self.writes)

    def add(self, write: Write) -> list[Rows]:
        """Keep ``write``; the messages dropped to stay within the limit (oldest first)."""
        self.writes.append(write)
        if isinstance(write, Rows):
            self.rows += len(write.rows)
        dropped: list[Rows] = []
        while self.rows > self.limit:
            oldest = next((w for w in self.writes if isinstance(w, Rows) and w.droppable), None)
            if oldest is None:
                break  # only answers left: kept over the limit, they are few
            self.writes.remove(oldest)
            self.rows -= len(oldest.rows)
            dropped.append(oldest)
        return dropped

    def take(self, rows: int) -> list[Write]:
        """The oldest writes holding about ``rows`` messages, for one transaction."""
        taken: list[Write] = []
        count = 0
        for write in self.writes:
            taken.append(write)
            if isinstance(write, Rows):
                count += len(write.rows)
                if count >= rows:
                    break
        return taken

    def done(self, count: int) -> None:
        """The first ``count`` writes were committed."""
        for _ in range(count):
            write = self.writes.popleft()
            if isinstance(write, Rows):
                self.rows -= len(write.rows)
