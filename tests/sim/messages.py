"""Contract messages as the simulation's observer hears them, for the console and watch tests."""

from __future__ import annotations

import itertools
from typing import Any

from marsy.protocol import (
    Alert,
    AlertRule,
    AstronautVitals,
    Device,
    DeviceTelemetry,
    EventType,
    FlightPhase,
    MissionEvent,
    MissionState,
    MissionStatus,
    ServiceHealth,
    Severity,
)

MISSION = "m1"
_seq = itertools.count(1)


def envelope(source: str, ts: float = 100.0) -> dict[str, Any]:
    return {"mission_id": MISSION, "source": source, "seq": next(_seq), "ts": ts}


def alert(
    rule: AlertRule,
    device: Device = Device.ROCKET,
    parameter: str | None = None,
    message: str = "",
    *,
    severity: Severity = Severity.RED,
    cleared: bool = False,
    ts: float = 100.0,
) -> Alert:
    return Alert(
        **envelope("calculator", ts),
        device=device,
        rule=rule,
        severity=severity,
        parameter=parameter,
        cleared=cleared,
        message=message,
    )


def ground(part: str, message: str, *, device: Device = Device.ROCKET, **kw: Any) -> Alert:
    """A ground alert as the calculator raises it: ``parameter`` names the part at fault."""
    return alert(AlertRule.GROUND, device, part, message, **kw)


def los(device: Device, **kw: Any) -> Alert:
    return alert(AlertRule.LOSS_OF_SIGNAL, device, None, f"no data from the {device} for 6 s", **kw)


def limit(device: Device, parameter: str, message: str, **kw: Any) -> Alert:
    return alert(AlertRule.LIMIT, device, parameter, message, **kw)


def telemetry(device: Device, phase: FlightPhase, **values: float) -> DeviceTelemetry:
    return DeviceTelemetry(**envelope(str(device)), device=device, phase=phase, values=values)


def vitals(phase: FlightPhase, **values: float) -> AstronautVitals:
    return AstronautVitals(**envelope("suit"), phase=phase, astronaut="Thomas", values=values)


def event(
    kind: EventType, source: str, device: Device | None = None, detail: str = ""
) -> MissionEvent:
    return MissionEvent(**envelope(source), event=kind, device=device, detail=detail)


def status(
    state: MissionState,
    detail: str = "",
    phase: FlightPhase = FlightPhase.PAD,
    mission_id: str = MISSION,
) -> MissionStatus:
    """Command's retained status of a mission."""
    return MissionStatus(
        **{**envelope("command"), "mission_id": mission_id}, state=state, phase=phase, detail=detail
    )


def recorder(name: str, lag: float, *, store_ok: bool = True, pending: int = 0) -> ServiceHealth:
    return ServiceHealth(
        **envelope(name), uptime=12.0, ingest_lag=lag, pending=pending, store_ok=store_ok
    )
