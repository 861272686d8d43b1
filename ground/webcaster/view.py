"""What the webcast page shows, kept up to date from bus messages. Pure: no threads, no I/O.

:meth:`LiveView.apply` turns one contract message into the page updates it causes; a new page
starts from :meth:`LiveView.snapshot`. Live figures change at 10 Hz per device, faster than
anyone reads, so they are only marked dirty here and taken at the stream's own pace
(:meth:`LiveView.take_figures`).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from marsy.protocol import (
    Alert,
    AstronautVitals,
    Device,
    DeviceTelemetry,
    FlightPhase,
    Message,
    MissionEvent,
    MissionStatus,
    WebcastLine,
)
from marsy.protocol.parameters import Parameter, parameter

KEY_FIGURES: tuple[Parameter, ...] = (
    parameter(Device.ROCKET, "altitude"),
    parameter(Device.ROCKET, "velocity"),
    parameter(Device.SUIT, "heart_rate"),
    parameter(Device.SUIT, "g_load"),
)
"""The live figures on the page, straight from the parameter dictionary (name, unit, meaning)."""
_FIGURE_DEVICES = frozenset(p.device for p in KEY_FIGURES)


class StreamEvent(StrEnum):
    """The ``event:`` names of the server-sent events the page listens to."""

    SNAPSHOT = "snapshot"
    LINE = "line"
    MISSION = "mission"
    FIGURES = "figures"
    ALERTS = "alerts"
    EVENT = "event"


@dataclass(frozen=True)
class Update:
    event: StreamEvent
    data: dict[str, Any]


def _line(message: WebcastLine) -> dict[str, Any]:
    return {
        "speaker": message.speaker,
        "text": message.text,
        "source": message.source,
        "mission_id": message.mission_id,
        "ts": message.ts,
    }


def _event(message: MissionEvent) -> dict[str, Any]:
    return {
        "event": message.event,
        "source": message.source,
        "detail": message.detail,
        "ts": message.ts,
    }


class LiveView:
    """The state of the broadcast: mission, phase, recent commentary, figures, active alerts."""

    def __init__(self, history: int = 200) -> None:
        self.mission_id: str | None = None
        self.state: str | None = None
        self.phase: FlightPhase | None = None
        self.astronaut: str | None = None
        """The crew member's name, as the suit reports it with every vitals sample."""
        self.lines: deque[dict[str, Any]] = deque(maxlen=history)
        self.events: deque[dict[str, Any]] = deque(maxlen=50)
        self.figures: dict[str, float | None] = {p.key: None for p in KEY_FIGURES}
        self.alerts: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._figures_dirty = False

    # --- reading ------------------------------------------------------------------------------

    def mission(self) -> dict[str, Any]:
        return {"mission_id": self.mission_id, "state": self.state, "phase": self.phase}

    def figures_data(self) -> dict[str, Any]:
        return {
            "figures": [
                {
                    "key": p.key,
                    "name": p.name,
                    "device": p.device,
                    "unit": p.unit,
                    "description": p.description,
                    "value": self.figures[p.key],
                }
                for p in KEY_FIGURES
            ]
        }

    def alerts_data(self) -> dict[str, Any]:
        return {"alerts": list(self.alerts.values())}

    def snapshot(self) -> dict[str, Any]:
        """Everything a page needs to draw itself from nothing."""
        return {
            **self.mission(),
            "astronaut": self.astronaut,
            "lines": list(self.lines),
            "events": list(self.events),
            **self.figures_data(),
            **self.alerts_data(),
        }

    def take_figures(self) -> Update | None:
        """The figures if they changed since the last call, else ``None``."""
        if not self._figures_dirty:
            return None
        self._figures_dirty = False
        return Update(StreamEvent.FIGURES, self.figures_data())

    # --- applying -----------------------------------------------------------------------------

    def apply(self, message: Message) -> list[Update]:
        """Fold ``message`` in and return the updates every open page must receive."""
        if isinstance(message, WebcastLine):
            line = _line(message)
            self.lines.append(line)
            return [Update(StreamEvent.LINE, line)]
        if isinstance(message, MissionStatus):
            return self._status(message)
        if isinstance(message, MissionEvent):
            event = _event(message)
            self.events.append(event)
            return [Update(StreamEvent.EVENT, event)]
        if isinstance(message, Alert):
            return self._alert(message)
        if isinstance(message, DeviceTelemetry | AstronautVitals):
            return self._measurements(message)
        return []

    def _status(self, message: MissionStatus) -> list[Update]:
        if message.mission_id != self.mission_id:
            # A new mission: its figures, alerts and timeline start afresh; the commentary
            # carries on (each line says its mission), as a broadcast would.
            self.mission_id = message.mission_id
            self.state, self.phase = message.state, message.phase
            self.events.clear()
            self.alerts.clear()
            self.figures = dict.fromkeys(self.figures)
            self._figures_dirty = False
            return [Update(StreamEvent.SNAPSHOT, self.snapshot())]
        if (message.state, message.phase) == (self.state, self.phase):
            return []
        self.state, self.phase = message.state, message.phase
        return [Update(StreamEvent.MISSION, self.mission())]

    def _alert(self, message: Alert) -> list[Update]:
        key = (str(message.device), str(message.rule), message.parameter or "")
        if message.cleared:
            if self.alerts.pop(key, None) is None:
                return []
        else:
            self.alerts[key] = {
                "device": message.device,
                "rule": message.rule,
                "severity": message.severity,
                "parameter": message.parameter,
                "value": message.value,
                "limit": message.limit,
                "message": message.message,
                "ts": message.ts,
            }
        return [Update(StreamEvent.ALERTS, self.alerts_data())]

    def _measurements(self, message: DeviceTelemetry | AstronautVitals) -> list[Update]:
        if isinstance(message, AstronautVitals):
            self.astronaut = message.astronaut
        if message.device not in _FIGURE_DEVICES:
            return []
        for p in KEY_FIGURES:
            if p.device is message.device and p.name in message.values:
                self.figures[p.key] = float(message.values[p.name])
                self._figures_dirty = True
        if message.device is Device.ROCKET and message.phase != self.phase:
            # The rocket's own phase is fresher than Command's retained status.
            self.phase = message.phase
            return [Update(StreamEvent.MISSION, self.mission())]
        return []
