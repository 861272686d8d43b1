"""Contract messages as the webcaster's peers would send them, for the webcaster tests."""

from __future__ import annotations

import itertools
import time
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
    Severity,
    WebcastLine,
)

_seq = itertools.count(1)


def envelope(source: str, mission: str = "m1") -> dict[str, Any]:
    return {"mission_id": mission, "source": source, "seq": next(_seq), "ts": time.time()}


def line(text: str, speaker: str = "command", mission: str = "m1") -> WebcastLine:
    """A commentary line published by the service named ``speaker``."""
    return WebcastLine(**envelope(speaker, mission), speaker=speaker, text=text)


def status(
    mission: str = "m1",
    phase: FlightPhase = FlightPhase.PAD,
    state: MissionState = MissionState.FLYING,
    detail: str = "",
) -> MissionStatus:
    return MissionStatus(**envelope("command", mission), state=state, phase=phase, detail=detail)


def event(
    kind: EventType,
    mission: str = "m1",
    ts: float | None = None,
    *,
    source: str = "rocket",
    device: Device | None = Device.ROCKET,
) -> MissionEvent:
    fields = envelope(source, mission)
    if ts is not None:
        fields["ts"] = ts
    return MissionEvent(**fields, event=kind, device=device)


def rocket(
    phase: FlightPhase = FlightPhase.ASCENT, mission: str = "m1", **values: float
) -> DeviceTelemetry:
    return DeviceTelemetry(
        **envelope("rocket", mission), device=Device.ROCKET, phase=phase, values=values
    )


def booster(
    phase: FlightPhase = FlightPhase.COAST, mission: str = "m1", **values: float
) -> DeviceTelemetry:
    return DeviceTelemetry(
        **envelope("booster", mission), device=Device.BOOSTER, phase=phase, values=values
    )


def vitals(
    astronaut: str = "Thomas",
    phase: FlightPhase = FlightPhase.ASCENT,
    mission: str = "m1",
    **values: float,
) -> AstronautVitals:
    return AstronautVitals(
        **envelope("suit", mission), phase=phase, astronaut=astronaut, values=values
    )


def alert(parameter: str = "heart_rate", *, cleared: bool = False) -> Alert:
    return Alert(
        **envelope("calculator"),
        device=Device.SUIT,
        rule=AlertRule.LIMIT,
        severity=Severity.RED,
        parameter=parameter,
        value=190.0,
        limit=185.0,
        cleared=cleared,
        message=f"{parameter} 190 above 185",
    )


def ground_alert(
    part: str = "broker",
    message: str = "broker unreachable for 20 s",
    *,
    device: Device = Device.ROCKET,
    cleared: bool = False,
) -> Alert:
    """The calculator's alert that its own view of the bus is stale or cut at ``part``."""
    return Alert(
        **envelope("calculator"),
        device=device,
        rule=AlertRule.GROUND,
        severity=Severity.YELLOW,
        parameter=part,
        cleared=cleared,
        message=f"cleared: {message}" if cleared else message,
    )


def vehicle_alert(device: Device, rule: AlertRule, parameter: str | None = None) -> Alert:
    return Alert(
        **envelope("calculator"),
        device=device,
        rule=rule,
        severity=Severity.RED,
        parameter=parameter,
        message=f"{device} in trouble",
    )
