"""One rocket check at a time, shared by every caller that can make do with its age.

Asking the rocket sends it a command (and Command writes each one into the mission log), so an
open ``GET /rocket-check`` must not ask it once per call: callers share the last answer while it
is young enough, and callers arriving while a check runs wait for that one instead of starting
their own. Whatever the call rate, a new check starts at most once per ``max_age`` of the most
patient caller.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

V = TypeVar("V")


@dataclass(frozen=True)
class Checked(Generic[V]):
    value: V
    started: float
    """When the check began (the clock's seconds): its age counts from there, when the rocket
    was asked."""
    finished: float


class SharedCheck(Generic[V]):
    def __init__(
        self, check: Callable[[str], V], clock: Callable[[], float] = time.monotonic
    ) -> None:
        """``check(mission_id)`` asks the rocket; ``clock`` measures ages (wall seconds)."""
        self._check = check
        self._clock = clock
        self._last: Checked[V] | None = None
        self._running = threading.Lock()
        self.runs = 0
        """Checks actually made."""
        self.answers = 0
        """Answers given, shared or not."""

    def get(self, mission_id: str, max_age: float, *, or_running: bool = False) -> Checked[V]:
        """A check begun at most ``max_age`` seconds before this call (with ``or_running``, also
        the one running at the call, however long it takes): the last one, the one running, or
        a new one for ``mission_id``."""
        asked = self._clock()
        with self._running:  # one check at a time; the callers behind it share its answer
            self.answers += 1
            last = self._last
            if last is not None and (
                asked - last.started <= max_age or (or_running and last.finished >= asked)
            ):
                return last
            self.runs += 1
            started = self._clock()
            value = self._check(mission_id)
            self._last = Checked(value, started, self._clock())
            return self._last

    def age(self, checked: Checked[V]) -> float:
        """Seconds since ``checked`` began."""
        return self._clock() - checked.started
