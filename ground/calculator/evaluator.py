"""One evaluation cycle: read each device's recent window, apply the rules, publish changes.

Reads are bounded on both sides in time, so a cycle costs the same at minute 1 and at hour 10.
An alert is published when a check's severity changes, and a cleared alert when the value is
back within limits; nothing is repeated every cycle.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ground.calculator.rules import (
    Finding,
    Sample,
    limit_findings,
    rate_findings,
    signal_finding,
)
from ground.influx.reads import TelemetryReader
from marsy.protocol import BY_DEVICE, Alert, AlertRule, Device, FlightPhase, Severity


@dataclass
class EvaluatorStats:
    cycles: int = 0
    last_evaluation: float | None = None
    """Mission time evaluated last."""
    last_duration: float | None = None
    """Wall seconds the last cycle took."""
    alerts_published: int = 0


@dataclass
class _DeviceState:
    last_seen: float | None = None
    last_phase: FlightPhase | None = None


@dataclass
class Evaluator:
    readers: Mapping[Device, TelemetryReader]
    publish: Callable[[Alert], None]
    window: float = 4.0
    """Mission seconds of data each cycle reads."""
    loss_of_signal: float = 5.0
    source: str = "calculator"
    stats: EvaluatorStats = field(default_factory=EvaluatorStats)
    mission_id: str | None = None
    _devices: dict[Device, _DeviceState] = field(default_factory=dict)
    _active: dict[tuple[Device, AlertRule, str | None], Finding] = field(default_factory=dict)
    _seq: int = field(default_factory=lambda: int(time.time() * 1000))

    _requested: str | None = None

    def start_mission(self, mission_id: str) -> None:
        """A new mission (from any thread): the next cycle forgets the previous one's alerts
        and silences."""
        self._requested = mission_id

    def _switch_mission(self) -> None:
        requested = self._requested
        if requested is not None and requested != self.mission_id:
            self.mission_id = requested
            self._devices.clear()
            self._active.clear()

    def evaluate(self, now: float) -> list[Finding]:
        """Evaluate the window ending at mission time ``now``; returns the changes published."""
        self._switch_mission()
        if self.mission_id is None:
            return []
        began = time.perf_counter()
        changes: list[Finding] = []
        for device, reader in self.readers.items():
            samples = self._samples(device, reader, now)
            state = self._devices.setdefault(device, _DeviceState())
            if samples:
                state.last_seen = samples[-1].ts
                state.last_phase = samples[-1].phase
            findings = [
                *limit_findings(device, samples),
                *rate_findings(device, samples),
                signal_finding(device, state.last_seen, state.last_phase, now, self.loss_of_signal),
            ]
            changes += [f for f in findings if self._changed(f, now)]
        self.stats.cycles += 1
        self.stats.last_evaluation = now
        self.stats.last_duration = time.perf_counter() - began
        return changes

    def _samples(self, device: Device, reader: TelemetryReader, now: float) -> list[Sample]:
        assert self.mission_id is not None
        known = BY_DEVICE[device]
        samples = []
        for point in reader.window(device, self.mission_id, now - self.window, now):
            try:
                phase = FlightPhase(str(point.fields.get("phase")))
            except ValueError:
                continue
            values = {k: float(v) for k, v in point.fields.items() if k in known}
            samples.append(Sample(point.time_ns / 1e9, phase, values))
        return samples

    def _changed(self, finding: Finding, now: float) -> bool:
        previous = self._active.get(finding.key)
        if finding.severity is Severity.NOMINAL:
            if previous is None:
                return False
            del self._active[finding.key]
            self._send(previous, now, cleared=True)
            return True
        if previous is not None and previous.severity is finding.severity:
            return False
        self._active[finding.key] = finding
        self._send(finding, now, cleared=False)
        return True

    def _send(self, finding: Finding, now: float, *, cleared: bool) -> None:
        assert self.mission_id is not None
        self._seq += 1
        severity = finding.severity
        self.publish(
            Alert(
                mission_id=self.mission_id,
                source=self.source,
                seq=self._seq,
                ts=now,
                device=finding.device,
                rule=finding.rule,
                severity=severity,
                cleared=cleared,
                parameter=finding.parameter,
                value=finding.value,
                limit=finding.limit,
                message=(f"cleared: {finding.message}" if cleared else finding.message)[:2000],
            )
        )
        self.stats.alerts_published += 1

    def active(self) -> list[Finding]:
        return list(self._active.values())
