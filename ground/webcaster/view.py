"""What the webcast page shows, kept up to date from bus messages. Pure: no threads, no I/O.

:meth:`LiveView.apply` turns one contract message into the page updates it causes; a new page
starts from :meth:`LiveView.snapshot`. Live figures change at 10 Hz per device, faster than
anyone reads, so they are only marked dirty here and taken at the stream's own pace
(:meth:`LiveView.take_figures`).

Alerts carry their kind. A ground alert (the ground's own view is stale or cut) is shown as
``ground``, never as the vehicle's, and the broadcast says so in a commentary line when it is
raised and cleared; that line is the page's own, not published, since the fault may be the
broker itself. A loss of signal is a hold, not an emergency. A vehicle that has retired (landed,
lost or destroyed, by its own word) raises nothing more: its open alerts close with it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from marsy.protocol import (
    RETIRED_PHASES,
    RETIRING_EVENTS,
    Alert,
    AlertRule,
    AstronautVitals,
    Device,
    DeviceTelemetry,
    FlightPhase,
    Message,
    MissionEvent,
    MissionStatus,
    WebcastLine,
    may_report,
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

HOST = "webcast"
"""Speaker name of the webcast's own lines."""
SOURCE = "webcaster"
GROUND = "ground"
VEHICLE = "vehicle"
GROUND_FAULTS = {
    "broker": "broker unreachable",
    "ingest": "telemetry ingest running behind",
    "store": "telemetry store unavailable",
}
"""How the commentary names a fault of each ground part (the alert's ``parameter``)."""


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


def _part(message: Alert) -> str:
    return message.parameter or GROUND


def _headline(message: Alert) -> str:
    """What the page writes beside the alert's badge (the ground, or the device it is about)."""
    if message.rule is AlertRule.GROUND:
        return message.message or f"{_part(message)} fault"
    if message.rule is AlertRule.LOSS_OF_SIGNAL:
        return f"LOS {message.device} (hold)"
    what = (message.parameter or str(message.rule)).replace("_", " ")
    return f"{what}: {message.message}" if message.message else what


def ground_commentary(part: str, *, cleared: bool) -> str:
    """The broadcast's line on a ground fault: it is not the vehicle's."""
    if cleared:
        return f"Ground systems: {part} back to normal; the vehicle was not affected."
    fault = GROUND_FAULTS.get(part, f"{part} fault")
    return f"Ground systems: {fault}; the vehicle is not affected."


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
        """Open alerts by the calculator's key (device, rule, parameter)."""
        self.retired: set[Device] = set()
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
                    "unit": p.shown_unit,
                    "description": p.description,
                    "value": self.figures[p.key],
                }
                for p in KEY_FIGURES
            ]
        }

    def alerts_data(self) -> dict[str, Any]:
        """Ground alerts first, one per part at fault (the newest), then the vehicles' ones."""
        ground: dict[str, dict[str, Any]] = {}
        for alert in self.alerts.values():
            if alert["kind"] == GROUND:
                seen = ground.get(alert["parameter"])
                if seen is None or alert["ts"] >= seen["ts"]:
                    ground[alert["parameter"]] = alert
        vehicle = [a for a in self.alerts.values() if a["kind"] == VEHICLE]
        return {"alerts": [*(ground[part] for part in sorted(ground)), *vehicle]}

    def _ground_open(self, part: str) -> bool:
        return any(a["kind"] == GROUND and a["parameter"] == part for a in self.alerts.values())

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
            updates = [Update(StreamEvent.EVENT, event)]
            if message.event in RETIRING_EVENTS and may_report(message.source, message.event):
                updates += self._retire(Device(message.source))
            return updates
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
            self.retired.clear()
            self.figures = dict.fromkeys(self.figures)
            self._figures_dirty = False
            return [Update(StreamEvent.SNAPSHOT, self.snapshot())]
        if (message.state, message.phase) == (self.state, self.phase):
            return []
        self.state, self.phase = message.state, message.phase
        return [Update(StreamEvent.MISSION, self.mission())]

    def _alert(self, message: Alert) -> list[Update]:
        key = (str(message.device), str(message.rule), message.parameter or "")
        ground = message.rule is AlertRule.GROUND
        part = _part(message)
        was_open = ground and self._ground_open(part)
        if message.cleared:
            if self.alerts.pop(key, None) is None:
                return []
        elif not ground and message.device in self.retired:
            return []
        else:
            self.alerts[key] = {
                "kind": GROUND if ground else VEHICLE,
                "headline": _headline(message),
                "device": message.device,
                "rule": message.rule,
                "severity": message.severity,
                "parameter": part if ground else message.parameter,
                "value": message.value,
                "limit": message.limit,
                "message": message.message,
                "ts": message.ts,
            }
        updates = [Update(StreamEvent.ALERTS, self.alerts_data())]
        if ground and was_open != self._ground_open(part):
            text = ground_commentary(part, cleared=was_open)
            updates.append(self._say(message.mission_id, message.ts, text))
        return updates

    def _say(self, mission_id: str, ts: float, text: str) -> Update:
        """A commentary line of the page's own (not on the bus: the broker may be the fault)."""
        line = {"speaker": HOST, "text": text, "source": SOURCE, "mission_id": mission_id, "ts": ts}
        self.lines.append(line)
        return Update(StreamEvent.LINE, line)

    def _retire(self, device: Device) -> list[Update]:
        """``device`` flies no more: its vehicle alerts close, and later ones are not raised."""
        self.retired.add(device)
        closing = [
            key
            for key, alert in self.alerts.items()
            if alert["kind"] == VEHICLE and alert["device"] == device
        ]
        for key in closing:
            del self.alerts[key]
        return [Update(StreamEvent.ALERTS, self.alerts_data())] if closing else []

    def _measurements(self, message: DeviceTelemetry | AstronautVitals) -> list[Update]:
        if isinstance(message, AstronautVitals):
            self.astronaut = message.astronaut
        retiring = message.phase in RETIRED_PHASES and message.device is not Device.SUIT
        retired = self._retire(message.device) if retiring else []
        if message.device not in _FIGURE_DEVICES:
            return retired
        for p in KEY_FIGURES:
            if p.device is message.device and p.name in message.values:
                self.figures[p.key] = float(message.values[p.name])
                self._figures_dirty = True
        if message.device is Device.ROCKET and message.phase != self.phase:
            # The rocket's own phase is fresher than Command's retained status.
            self.phase = message.phase
            return [*retired, Update(StreamEvent.MISSION, self.mission())]
        return retired
