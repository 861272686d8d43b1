"""What the agent remembers of its flight: the mission it flies and what that flight has been.

Both are kept beside the outbox (its ``meta`` table), so a restarted agent carries on with the
mission it flew: its first samples must not wait for (or miss) the retained mission status, the
phase checks (staged? detached?) still know what the board reported before the restart, and the
suit still knows when lift-off and Max-Q came and how hard the ride was (the interview's
material): the phase, the steps taken and when, the peaks and the latest readings. Steps are
written at once; the readings at most every :data:`SAVE_EVERY` seconds and at each change of
phase, so a restart costs at most a second of peaks.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from edge.runtime.behaviour import FlightState
from marsy.protocol import EventType, FlightPhase
from marsy.protocol.commanding import STANDBY

logger = logging.getLogger(__name__)

SAVE_EVERY = 1.0
"""Wall seconds between two saves of the readings (peaks, latest values)."""


class MetaStore(Protocol):
    """Where small values survive a restart (the outbox)."""

    def meta(self, name: str) -> str | None: ...

    def set_meta(self, name: str, value: str) -> None: ...


def _dump(state: FlightState) -> str:
    # copied first, each in one step: another thread (the reader) may be adding to them
    events, times = list(state.events), dict(state.event_times)
    return json.dumps(
        {
            "phase": str(state.phase),
            "events": sorted(str(e) for e in events),
            "event_times": {str(e): t for e, t in times.items()},
            "peaks": dict(state.peaks),
            "latest": dict(state.latest),
        },
        sort_keys=True,
    )


def _events(names: Any) -> list[EventType]:
    """The events among ``names`` this version knows (a newer agent's are skipped)."""
    known = {str(e) for e in EventType}
    return [EventType(n) for n in names if n in known] if isinstance(names, list | dict) else []


def _load(text: str) -> FlightState:
    data = json.loads(text)
    phases = {str(p) for p in FlightPhase}
    times = data.get("event_times") or {}
    return FlightState(
        phase=FlightPhase(data["phase"]) if data.get("phase") in phases else FlightPhase.PAD,
        events=set(_events(data.get("events") or [])),
        event_times={e: float(times[str(e)]) for e in _events(times)},
        peaks={str(k): float(v) for k, v in (data.get("peaks") or {}).items()},
        latest={str(k): float(v) for k, v in (data.get("latest") or {}).items()},
    )


class FlightMemory:
    """The mission flown and the :class:`FlightState` of this device, written through to disk."""

    def __init__(
        self,
        store: MetaStore,
        mission_id: str = STANDBY,
        state: FlightState | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self.mission_id = mission_id
        self.state = state if state is not None else FlightState()
        self._clock = clock
        self._saved_at = clock()
        self._saved_phase = self.state.phase

    @classmethod
    def restore(cls, store: MetaStore) -> FlightMemory:
        """The memory a previous run of this agent left in ``store`` (standby if none)."""
        mission = store.meta("mission") or STANDBY
        saved = store.meta("flight")
        if saved is not None:
            try:
                return cls(store, mission, _load(saved))
            except (ValueError, KeyError, TypeError) as exc:
                logger.error("the flight remembered is unreadable (%s); starting afresh", exc)
        events = set(_events(json.loads(store.meta("events") or "[]")))  # an older agent's
        return cls(store, mission, FlightState(events=events))

    def join(self, mission_id: str) -> bool:
        """Fly ``mission_id`` from now on, forgetting the last one's steps; ``False`` if it is
        the mission flown already."""
        if mission_id == self.mission_id:
            return False
        self.mission_id = mission_id
        self.state = FlightState(phase=self.state.phase)
        self._store.set_meta("mission", mission_id)
        self.save()
        return True

    def record_event(self, event: EventType, at: float) -> None:
        """A step of this device's flight (its board's event, or its own abort): remembered
        with the board time of its first report, and kept."""
        self.state.events.add(event)
        self.state.event_times.setdefault(event, at)
        self.save()

    def record_time(self, event: EventType, at: float) -> None:
        """When another vehicle's event came (the rocket's Max-Q for the suit), kept."""
        if event not in self.state.event_times:
            self.state.event_times[event] = at
            self.save()

    def sampled(self) -> None:
        """The readings moved: saved if the phase changed or the last save is old enough."""
        if self.state.phase != self._saved_phase or self._clock() - self._saved_at >= SAVE_EVERY:
            self.save()

    def save(self) -> None:
        self._store.set_meta("flight", _dump(self.state))
        self._saved_at = self._clock()
        self._saved_phase = self.state.phase
