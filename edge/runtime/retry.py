"""When to try a failed write again: a doubling pause, capped, reset by the first success.

The agent's install stays lean (no retry library): the outbox asks :meth:`Backoff.due` before
each attempt, so a full disk is tried again every ``most`` seconds at worst, never hammered.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class Backoff:
    """A pause that doubles from ``first`` to ``most`` seconds after each failure."""

    def __init__(
        self,
        first: float = 0.05,
        most: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 < first <= most:
            raise ValueError("need 0 < first <= most")
        self.first = first
        self.most = most
        self.clock = clock
        self._pause = 0.0
        self._next = float("-inf")

    @property
    def failing(self) -> bool:
        """Whether the last attempt failed."""
        return self._pause > 0

    def due(self) -> bool:
        """Whether to try now."""
        return self.clock() >= self._next

    def failed(self) -> None:
        """The attempt failed: wait longer before the next one."""
        self._pause = min(self.most, self._pause * 2) if self._pause else self.first
        self._next = self.clock() + self._pause

    def succeeded(self) -> None:
        self._pause = 0.0
        self._next = float("-inf")
