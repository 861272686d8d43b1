"""Writing the mission down and telling the bus: log entries, Command's decisions, the retained
mission status and the end of a mission. Shared by the go/no-go side of the director and the
flight-following side, so both write the same shapes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ground.command.picture import Kind
from ground.command.store import Entry, Mission, MissionStore
from ground.runtime import GroundBus
from marsy.protocol import EventType, FlightPhase, MissionState, MissionStatus


class MissionLog:
    def __init__(self, bus: GroundBus, store: MissionStore, now: Callable[[], float]) -> None:
        self.bus = bus
        self.store = store
        self.now = now

    def get(self, mission_id: str) -> Mission:
        mission = self.store.get(mission_id)
        assert mission is not None, mission_id
        return mission

    def record(
        self,
        mission_id: str,
        kind: Kind,
        source: str,
        text: str,
        data: dict[str, Any],
        ts: float | None = None,
    ) -> Entry:
        entry = Entry(self.now() if ts is None else ts, kind, source, text, data)
        self.store.record(mission_id, entry)
        return entry

    def decision(
        self,
        mission_id: str,
        what: str,
        go: bool,
        detail: str,
        *,
        text: str | None = None,
        **data: Any,
    ) -> Entry:
        """One of Command's decisions (``text`` defaults to "what: go" or "what: refused");
        ``data`` says what it rests on, e.g. the flight rule that fired."""
        return self.record(
            mission_id,
            Kind.DECISION,
            "command",
            text or f"{what}: {'go' if go else 'refused'}",
            {"what": what, "go": go, "detail": detail, **data},
        )

    def status(self, mission_id: str, state: MissionState, phase: FlightPhase, detail: str) -> None:
        """The retained mission status every service follows."""
        self.bus.publish(
            MissionStatus(
                state=state, phase=phase, detail=detail[:2000], **self.bus.envelope(mission_id)
            )
        )

    def finish(self, mission_id: str, state: MissionState, detail: str) -> bool:
        """End a flying mission (``False`` if it was not flying)."""
        mission = self.store.get(mission_id)
        if mission is None or mission.state is not MissionState.FLYING:
            return False
        self.store.update(mission_id, state=state, ended=self.now(), detail=detail)
        self.status(mission_id, state, mission.phase, detail)
        self.bus.event(EventType.MISSION_COMPLETE, f"{state}: {detail}", mission_id)
        self.bus.say(f"Mission {state}: {detail}.", mission_id)
        return True
