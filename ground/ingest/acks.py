"""Releases MQTT acknowledgements in the order the deliveries arrived.

Deliveries finish out of order (a dead letter at once, a point when its batch is written), but
a broker expects PUBACKs in delivery order, and acking a later message must never imply an
earlier one was handled. Each delivery takes a ticket; a finished ticket becomes releasable only
when every earlier ticket is finished too. :meth:`AckSequencer.flush` releases what is ready in
one go (once per written batch, not once per message: the release saves the ledger).
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class AckSequencer:
    """Tickets in arrival order; ``release`` gets each releasable run, in order."""

    def __init__(self, release: Callable[[list[object]], None]) -> None:
        self._release = release
        self._lock = threading.Lock()
        self._releasing = threading.Lock()
        self._next_ticket = 0
        self._next_release = 0
        self._done: dict[int, object] = {}
        self._ready: list[object] = []

    def ticket(self) -> int:
        with self._lock:
            ticket = self._next_ticket
            self._next_ticket += 1
            return ticket

    def finish(self, ticket: int, item: object) -> None:
        """``item`` (what to ack) is handled; it is released by a later :meth:`flush`."""
        with self._lock:
            self._done[ticket] = item
            while self._next_release in self._done:
                self._ready.append(self._done.pop(self._next_release))
                self._next_release += 1

    def finish_many(self, finished: list[tuple[int, object]]) -> None:
        """:meth:`finish` for several tickets at once."""
        with self._lock:
            done = self._done
            done.update(finished)
            while self._next_release in done:
                self._ready.append(done.pop(self._next_release))
                self._next_release += 1

    def flush(self) -> None:
        """Release everything ready, in order (one release at a time, outside the lock)."""
        with self._releasing:
            with self._lock:
                ready, self._ready = self._ready, []
            if ready:
                self._release(ready)

    def outstanding(self) -> int:
        with self._lock:
            return self._next_ticket - self._next_release + len(self._ready)
