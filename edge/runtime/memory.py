"""What the agent remembers of its flight: the mission it flies and the steps already taken.

Both are kept beside the outbox (its ``meta`` table), so a restarted agent carries on with the
mission it flew: its first samples must not wait for (or miss) the retained mission status, and
the phase checks (staged? detached?) still know what the board reported before the restart.
"""

from __future__ import annotations

import json
from typing import Protocol

from edge.runtime.behaviour import FlightState
from marsy.protocol import EventType
from marsy.protocol.commanding import STANDBY


class MetaStore(Protocol):
    """Where small values survive a restart (the outbox)."""

    def meta(self, name: str) -> str | None: ...

    def set_meta(self, name: str, value: str) -> None: ...


class FlightMemory:
    """The mission flown and the :class:`FlightState` of this device, written through to disk."""

    def __init__(
        self, store: MetaStore, mission_id: str = STANDBY, state: FlightState | None = None
    ) -> None:
        self._store = store
        self.mission_id = mission_id
        self.state = state if state is not None else FlightState()

    @classmethod
    def restore(cls, store: MetaStore) -> FlightMemory:
        """The memory a previous run of this agent left in ``store`` (standby if none)."""
        events = {EventType(e) for e in json.loads(store.meta("events") or "[]")}
        return cls(store, store.meta("mission") or STANDBY, FlightState(events=events))

    def join(self, mission_id: str) -> bool:
        """Fly ``mission_id`` from now on, forgetting the last one's steps; ``False`` if it is
        the mission flown already."""
        if mission_id == self.mission_id:
            return False
        self.mission_id = mission_id
        self._store.set_meta("mission", mission_id)
        self._store.set_meta("events", "[]")
        self.state = FlightState(phase=self.state.phase)
        return True

    def record_event(self, event: EventType, at: float) -> None:
        """A board event: remembered with the board time of its first report, and kept."""
        self.state.events.add(event)
        self.state.event_times.setdefault(event, at)
        # what the phase checks rely on (staged? detached?) survives a restart
        self._store.set_meta("events", json.dumps(sorted(self.state.events)))
