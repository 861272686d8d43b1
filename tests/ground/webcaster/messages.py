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
) -> MissionStatus:
    return MissionStatus(**envelope("command", mission), state=state, phase=phase)


def event(kind: EventType, mission: str = "m1", ts: float | None = None) -> MissionEvent:
    fields = envelope("rocket", mission)
    if ts is not None:
        fields["ts"] = ts
    return MissionEvent(**fields, event=kind, device=Device.ROCKET)


def rocket(phase: FlightPhase = FlightPhase.ASCENT, **values: float) -> DeviceTelemetry:
    return DeviceTelemetry(**envelope("rocket"), device=Device.ROCKET, phase=phase, values=values)


def vitals(astronaut: str = "Thomas", **values: float) -> AstronautVitals:
    return AstronautVitals(
        **envelope("suit"), phase=FlightPhase.ASCENT, astronaut=astronaut, values=values
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
