"""A steering service's core (:class:`Steps`) over a fresh order store, for tests of its app."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ground.steering.steps import Rules, Steps
from ground.steering.store import OrderStore
from marsy.clock import MissionClock
from marsy.protocol import EventType


@contextmanager
def steps_of(
    name: str,
    folder: Path,
    propose: Rules,
    *,
    watched: frozenset[EventType],
    figures: tuple[str, ...],
) -> Iterator[Steps]:
    store = OrderStore(folder / "orders.db")
    try:
        yield Steps(name, store, propose, MissionClock(), watched=watched, figures=figures)
    finally:
        store.close()
