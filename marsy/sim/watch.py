"""What the simulation shows of a mission while it flies: a bus observer that tallies telemetry
per device and turns events, logs, refusals and commentary into timestamped lines."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from marsy.protocol import (
    Alert,
    AstronautVitals,
    CommandAck,
    Device,
    DeviceHealth,
    DeviceTelemetry,
    EventType,
    LogRecord,
    Message,
    MissionEvent,
    MissionStatus,
    WebcastLine,
)


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
    active_alerts: dict[tuple[str, str, str | None], Alert] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)
    commentary: list[str] = field(default_factory=list)
    state: str = "planned"

    def t(self, ts: float) -> str:
        return f"T{ts - self.liftoff:+8.1f}s" if self.liftoff is not None else " " * 11

    def _line(self, line: str, into: list[str]) -> None:
        into.append(line)
        del into[:-200]
        self.say(line)

    def handle(self, message: Message) -> None:
        if isinstance(message, DeviceHealth):
            self.health[message.source] = message
        if getattr(message, "mission_id", None) != self.mission_id:
            return
        if isinstance(message, MissionStatus):
            self.state = str(message.state)
        elif isinstance(message, DeviceTelemetry | AstronautVitals):
            tally = self.tallies[message.device]
            tally.duplicates += message.seq in tally.seqs
            tally.seqs.add(message.seq)
            self.latest.setdefault(message.device, {}).update(
                {k: float(v) for k, v in message.values.items()}
            )
            self.phases[message.device] = str(message.phase)
        elif isinstance(message, MissionEvent):
            if message.event is EventType.LIFTOFF and self.liftoff is None:
                self.liftoff = message.ts
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
            state = "cleared" if message.cleared else str(message.severity)
            self.say(f"{self.t(message.ts)}  {message.source:<10} alert {state}: {message.message}")
        elif isinstance(message, CommandAck) and not message.accepted:
            self.say(
                f"{self.t(message.ts)}  {message.source:<10} refused {message.action}: "
                f"{message.reason}"
            )
