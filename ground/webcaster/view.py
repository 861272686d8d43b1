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

The header (:mod:`ground.webcaster.header`) follows the crew: after an abort it says so, and the
figures are the capsule's own, from the suit (its altitude, vertical speed and g-load), instead
of the rocket's last ones, each labelled with the vehicle it is about. Measurements of another
mission than the current one (a vehicle of the previous flight still talking) are not shown.

Commentary and events are kept across missions, each entry with its mission id, so the page can
set each mission apart; times go out as the sources' timestamps, with each mission's lift-off
time (the rocket's own ``liftoff``), from which the page reads them as T-/T+.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ground.webcaster.header import Header
from marsy.protocol import (
    RETIRED_PHASES,
    RETIRING_EVENTS,
    Alert,
    AlertRule,
    AstronautVitals,
    Device,
    DeviceTelemetry,
    EventType,
    Message,
    MissionEvent,
    MissionStatus,
    WebcastLine,
    may_report,
)
from marsy.protocol.commanding import STANDBY
from marsy.protocol.parameters import Parameter, parameter


@dataclass(frozen=True)
class Figure:
    """A live figure: a parameter of the dictionary (name, unit, meaning) and what the page
    calls it."""

    parameter: Parameter
    label: str


_HEART_RATE = Figure(parameter(Device.SUIT, "heart_rate"), "crew heart rate")
KEY_FIGURES: tuple[Figure, ...] = (
    Figure(parameter(Device.ROCKET, "altitude"), "rocket altitude"),
    Figure(parameter(Device.ROCKET, "velocity"), "rocket speed"),
    _HEART_RATE,
    Figure(parameter(Device.SUIT, "g_load"), "crew g-load"),
)
"""The live figures while the crew rides the rocket."""
CAPSULE_FIGURES: tuple[Figure, ...] = (
    Figure(parameter(Device.SUIT, "altitude"), "capsule altitude"),
    Figure(parameter(Device.SUIT, "vertical_speed"), "capsule vertical speed"),
    _HEART_RATE,
    Figure(parameter(Device.SUIT, "g_load"), "capsule g-load"),
)
"""The live figures after an abort: the capsule's own, as the suit riding it measures them."""
_FOLLOWED = {f.parameter.key: f.parameter for f in (*KEY_FIGURES, *CAPSULE_FIGURES)}
_FIGURE_DEVICES = frozenset(p.device for p in _FOLLOWED.values())
LIFTOFFS_KEPT = 20

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
        "mission_id": message.mission_id,
        "ts": message.ts,
    }


class LiveView:
    """The state of the broadcast: mission, phase, recent commentary, figures, active alerts."""

    def __init__(self, history: int = 200) -> None:
        self.mission_id: str | None = None
        self.header = Header()
        self.liftoffs: dict[str, float] = {}
        """Each recent mission's lift-off time, by the rocket's own word."""
        self.astronaut: str | None = None
        """The crew member's name, as the suit reports it with every vitals sample."""
        self.lines: deque[dict[str, Any]] = deque(maxlen=history)
        self.events: deque[dict[str, Any]] = deque(maxlen=50)
        self.values: dict[str, float | None] = dict.fromkeys(_FOLLOWED)
        self.alerts: dict[tuple[str, str, str], dict[str, Any]] = {}
        """Open alerts by the calculator's key (device, rule, parameter)."""
        self.retired: set[Device] = set()
        self._figures_dirty = False

    # --- reading ------------------------------------------------------------------------------

    @property
    def state(self) -> str | None:
        """The state the header shows."""
        shown: str | None = self.header.shown()["state"]
        return shown

    @property
    def figures(self) -> tuple[Figure, ...]:
        """The figures shown now: the capsule's once the crew has left the rocket."""
        return CAPSULE_FIGURES if self.header.aborted else KEY_FIGURES

    def mission(self) -> dict[str, Any]:
        liftoff = self.liftoffs.get(self.mission_id) if self.mission_id else None
        return {"mission_id": self.mission_id, **self.header.shown(), "liftoff": liftoff}

    def figures_data(self) -> dict[str, Any]:
        return {
            "figures": [
                {
                    "key": f.parameter.key,
                    "name": f.parameter.name,
                    "label": f.label,
                    "device": f.parameter.device,
                    "unit": f.parameter.shown_unit,
                    "description": f.parameter.description,
                    "value": self.values[f.parameter.key],
                }
                for f in self.figures
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
            "liftoffs": dict(self.liftoffs),
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
            return self._event(message)
        if isinstance(message, Alert):
            return self._alert(message)
        if isinstance(message, DeviceTelemetry | AstronautVitals):
            return self._measurements(message)
        return []

    def _status(self, message: MissionStatus) -> list[Update]:
        if message.mission_id != self.mission_id:
            # A new mission: its header, figures and alerts start afresh; commentary and
            # events carry on (each entry says its mission), as a broadcast would.
            self.mission_id = message.mission_id
            self.header = Header()
            self.header.on_status(message)
            self.alerts.clear()
            self.retired.clear()
            self.values = dict.fromkeys(self.values)
            self._figures_dirty = False
            return [Update(StreamEvent.SNAPSHOT, self.snapshot())]
        return self._moved(lambda: self.header.on_status(message))

    def _moved(self, change: Callable[[], None]) -> list[Update]:
        """Apply ``change`` to the header; the updates if what the page shows moved."""
        before, aborted = self.mission(), self.header.aborted
        change()
        updates = []
        if self.header.aborted != aborted:  # other figures, at once
            updates.append(Update(StreamEvent.FIGURES, self.figures_data()))
        if self.mission() != before:
            updates.insert(0, Update(StreamEvent.MISSION, self.mission()))
        return updates

    def _current(self, mission_id: str) -> bool:
        """Whether a message of ``mission_id`` is about the mission on the page."""
        return self.mission_id is None or mission_id == self.mission_id

    def _event(self, message: MissionEvent) -> list[Update]:
        event = _event(message)
        self.events.append(event)
        updates = [Update(StreamEvent.EVENT, event)]
        owned = may_report(message.source, message.event)
        liftoff = owned and message.event is EventType.LIFTOFF
        if not self._current(message.mission_id):
            if liftoff:
                self._liftoff(message.mission_id, message.ts)
            return updates
        if message.event in RETIRING_EVENTS and owned:
            updates += self._retire(Device(message.source))

        def change() -> None:
            if liftoff:
                self._liftoff(message.mission_id, message.ts)
            self.header.on_event(message)

        return self._moved(change) + updates

    def _liftoff(self, mission_id: str, ts: float) -> None:
        """The rocket's own lift-off: the page's T-/T+ of that mission count from it."""
        self.liftoffs.setdefault(mission_id, ts)
        while len(self.liftoffs) > LIFTOFFS_KEPT:
            del self.liftoffs[next(iter(self.liftoffs))]

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
        if not self._current(message.mission_id) and message.mission_id != STANDBY:
            return []  # a vehicle of another flight
        if isinstance(message, AstronautVitals):
            self.astronaut = message.astronaut
        retiring = message.phase in RETIRED_PHASES and message.device is not Device.SUIT
        updates = self._retire(message.device) if retiring else []
        if message.device not in _FIGURE_DEVICES:
            return updates
        for p in _FOLLOWED.values():
            if p.device is message.device and p.name in message.values:
                self.values[p.key] = float(message.values[p.name])
                self._figures_dirty = True
        if message.device is Device.ROCKET:
            # The rocket's own phase is fresher than Command's retained status.
            updates += self._moved(lambda: self.header.on_rocket(message.phase))
        elif message.device is Device.SUIT:
            updates += self._moved(lambda: self.header.on_suit(message.phase))
        return updates
