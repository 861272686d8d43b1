"""What the simulation shows of a mission while it flies: a bus observer that tallies telemetry
per device and turns events, logs, refusals and commentary into timestamped lines.

Alerts are kept apart by who is at fault. A ground alert (the ground's own view is stale or cut)
says nothing about the vehicle and is shown as ``GROUND: ...``; a loss of signal is the vehicle
silent on a live bus, a hold for Command, shown as ``LOS <device> (hold)``. A vehicle that has
retired (landed, lost, destroyed, by its own word) raises nothing more: its open alerts close with
it, since the calculator stops reading it and no all-clear will come.

The mission's state is Command's retained status as the bus brings it, told in bus order: the
end of a mission is said after every line the bus delivered before the status that ended it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from marsy.protocol import (
    RETIRED_PHASES,
    RETIRING_EVENTS,
    Alert,
    AlertRule,
    AstronautVitals,
    CommandAck,
    Device,
    DeviceHealth,
    DeviceTelemetry,
    EventType,
    LogRecord,
    Message,
    MissionEvent,
    MissionState,
    MissionStatus,
    Service,
    ServiceHealth,
    WebcastLine,
    may_report,
)

AlertKey = tuple[str, str, str | None]

ENDED = frozenset({MissionState.COMPLETE, MissionState.ABORTED, MissionState.SCRUBBED})
"""The states a mission never leaves; every other one (a hold included) is still to watch."""
COMMAND = str(Service.COMMAND)


def separator(mission_id: str, scenario: str) -> str:
    """The line that opens a mission's commentary on the console, apart from the one before."""
    return f"── mission {mission_id} ({scenario}) ──"


def is_ground(alert: Alert) -> bool:
    return alert.rule is AlertRule.GROUND


def ground_part(alert: Alert) -> str:
    """The part of the ground at fault ("broker", "ingest", "store"), as the calculator names it."""
    return alert.parameter or "ground"


def ground_line(alert: Alert) -> str:
    return f"GROUND: {alert.message or ground_part(alert) + ' fault'}"


def vehicle_line(alert: Alert) -> str:
    if alert.rule is AlertRule.LOSS_OF_SIGNAL:
        return f"LOS {alert.device} (hold)" + (f": {alert.message}" if alert.message else "")
    return f"{alert.severity} {alert.device} {alert.parameter or alert.rule}: {alert.message}"


@dataclass
class DeviceTally:
    """Sequence numbers of one device's telemetry seen by the observer."""

    seqs: set[int] = field(default_factory=set)
    duplicates: int = 0

    def gaps(self) -> int:
        return (max(self.seqs) - min(self.seqs) + 1 - len(self.seqs)) if self.seqs else 0


@dataclass
class Watch:
    say: Callable[[str], None]
    mission_id: str | None = None
    tallies: dict[Device, DeviceTally] = field(
        default_factory=lambda: {device: DeviceTally() for device in Device}
    )
    events: list[tuple[float, EventType, str]] = field(default_factory=list)
    liftoff: float | None = None
    interview: list[str] = field(default_factory=list)
    latest: dict[Device, dict[str, float]] = field(default_factory=dict)
    """The newest reading of every parameter, per device (the console's live figures)."""
    phases: dict[Device, str] = field(default_factory=dict)
    health: dict[str, DeviceHealth] = field(default_factory=dict)
    active_alerts: dict[AlertKey, Alert] = field(default_factory=dict)
    """Open alerts of every kind, by device, rule and parameter (the calculator's own key)."""
    retired: set[Device] = field(default_factory=set)
    services: dict[str, ServiceHealth] = field(default_factory=dict)
    """The newest heartbeat of every ground service (the console's ground status)."""
    log: list[str] = field(default_factory=list)
    commentary: list[str] = field(default_factory=list)
    state: str = str(MissionState.PLANNED)
    detail: str = ""
    heard: int = 0
    """Messages of this mission from Command so far: while they come, its status would too."""

    @property
    def over(self) -> bool:
        return self.state in ENDED

    def begin(self, mission_id: str, scenario: str) -> str:
        """Watch ``mission_id`` from now on; its separator line, kept in the panels too."""
        self.mission_id = mission_id
        line = separator(mission_id, scenario)
        for panel in (self.log, self.commentary):
            panel.append(line)
        return line

    def follow(self, state: str, detail: str = "") -> None:
        """Command's word on the mission: a change of state is said, the end as the end."""
        if self.over or state == self.state:
            return  # a mission never leaves its end
        self.detail = detail
        self.state = state
        if self.over:
            self.say(f"mission {self.mission_id} {state}" + (f": {detail}" if detail else ""))
        else:
            self.say(f"mission {self.mission_id}: {state}" + (f" ({detail})" if detail else ""))

    def t(self, ts: float) -> str:
        return f"T{ts - self.liftoff:+8.1f}s" if self.liftoff is not None else " " * 11

    def _line(self, line: str, into: list[str]) -> None:
        into.append(line)
        del into[:-200]
        self.say(line)

    def ground_alerts(self) -> list[Alert]:
        """Open ground alerts, one per part at fault (the newest), whichever device they name."""
        parts: dict[str, Alert] = {}
        for alert in self.active_alerts.values():
            if is_ground(alert):
                seen = parts.get(ground_part(alert))
                if seen is None or alert.ts >= seen.ts:
                    parts[ground_part(alert)] = alert
        return [parts[part] for part in sorted(parts)]

    def vehicle_alerts(self) -> list[Alert]:
        return [a for a in self.active_alerts.values() if not is_ground(a)]

    def handle(self, message: Message) -> None:
        if isinstance(message, DeviceHealth):
            self.health[message.source] = message
        elif isinstance(message, ServiceHealth):
            self.services[message.source] = message
        if getattr(message, "mission_id", None) != self.mission_id:
            return
        if getattr(message, "source", None) == COMMAND:
            self.heard += 1
        if isinstance(message, MissionStatus):
            self.follow(str(message.state), message.detail)
        elif isinstance(message, DeviceTelemetry | AstronautVitals):
            tally = self.tallies[message.device]
            tally.duplicates += message.seq in tally.seqs
            tally.seqs.add(message.seq)
            self.latest.setdefault(message.device, {}).update(
                {k: float(v) for k, v in message.values.items()}
            )
            self.phases[message.device] = str(message.phase)
            if message.phase in RETIRED_PHASES and message.device is not Device.SUIT:
                self._retire(message.device)
        elif isinstance(message, MissionEvent):
            if message.event is EventType.LIFTOFF and self.liftoff is None:
                self.liftoff = message.ts
            if message.event in RETIRING_EVENTS and may_report(message.source, message.event):
                self._retire(Device(message.source))
            self.events.append((message.ts, message.event, message.detail))
            self.say(
                f"{self.t(message.ts)}  {message.source:<10} {message.event}: {message.detail}"
            )
        elif isinstance(message, WebcastLine):
            if message.source == "webcaster" and message.speaker != "webcast":
                self.interview.append(message.text)
            self._line(
                f"{self.t(message.ts)}  {message.speaker:<10} says: {message.text}", self.commentary
            )
        elif isinstance(message, LogRecord):
            self._line(
                f"{self.t(message.ts)}  {message.source:<10} log: {message.message}", self.log
            )
        elif isinstance(message, Alert):
            self._alert(message)
        elif isinstance(message, CommandAck) and not message.accepted:
            self.say(
                f"{self.t(message.ts)}  {message.source:<10} refused {message.action}: "
                f"{message.reason}"
            )

    def _alert(self, alert: Alert) -> None:
        key = (str(alert.device), str(alert.rule), alert.parameter)
        if alert.cleared:
            if self.active_alerts.pop(key, None) is None:
                return
        elif not is_ground(alert) and alert.device in self.retired:
            return
        else:
            self.active_alerts[key] = alert
        if is_ground(alert):
            text = f"GROUND cleared: {ground_part(alert)}" if alert.cleared else ground_line(alert)
        elif alert.cleared:
            text = f"alert cleared: {alert.message}"
        else:
            text = f"alert {vehicle_line(alert)}"
        self.say(f"{self.t(alert.ts)}  {alert.source:<10} {text}")

    def _retire(self, device: Device) -> None:
        """``device`` flies no more: its vehicle alerts close, later ones are not raised."""
        self.retired.add(device)
        for key, alert in list(self.active_alerts.items()):
            if alert.device is device and not is_ground(alert):
                del self.active_alerts[key]
