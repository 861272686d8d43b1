"""Releases MQTT acknowledgements in the order the deliveries arrived.

Deliveries finish out of order (a dead letter at once, a point when its batch is written), but
a broker expects PUBACKs in delivery order, and acking a later message must never imply an
earlier one was handled. Each delivery takes a ticket; a finished ticket is released only when
every earlier ticket is finished too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class AckSequencer:
    """Tickets in arrival order; ``release`` is called for each finished prefix, in order."""

    def __init__(self, release: Callable[[list[object]], None]) -> None:
        self._release = release
        self._lock = threading.Lock()
        self._next_ticket = 0
        self._next_release = 0
        self._done: dict[int, object] = {}

    def ticket(self) -> int:
        with self._lock:
            ticket = self._next_ticket
            self._next_ticket += 1
            return ticket

    def finish(self, ticket: int, item: object) -> None:
        """``item`` (what to ack) is handled; release it once all earlier ones are."""
        with self._lock:
            self._done[ticket] = item
            ready = []
            while self._next_release in self._done:
                ready.append(self._done.pop(self._next_release))
                self._next_release += 1
            if ready:
                self._release(ready)

    def outstanding(self) -> int:
        with self._lock:
            return self._next_ticket - self._next_release
