"""Bus messages as the rocket, the satellite and Command send them, for the steering tests."""

from __future__ import annotations

import itertools

from marsy.protocol import (
    CommandAck,
    CommandAction,
    Device,
    DeviceTelemetry,
    EventType,
    FlightPhase,
    MissionEvent,
    MissionState,
    MissionStatus,
)

T0 = 1_800_000_000.0
_seq = itertools.count(1)


def status(mission: str, state: MissionState = MissionState.FLYING) -> MissionStatus:
    return MissionStatus(
        mission_id=mission,
        source="command",
        seq=next(_seq),
        ts=T0,
        state=state,
        phase=FlightPhase.PAD,
    )


def rocket(mission: str, phase: FlightPhase, at: float, **values: float) -> DeviceTelemetry:
    return DeviceTelemetry(
        mission_id=mission,
        source="rocket",
        seq=next(_seq),
        ts=T0 + at,
        device=Device.ROCKET,
        phase=phase,
        values=values,
    )


def event(mission: str, kind: EventType, source: str = "rocket", at: float = 120.0) -> MissionEvent:
    device = Device(source) if source in {str(d) for d in Device} else None
    return MissionEvent(
        mission_id=mission,
        source=source,
        seq=next(_seq),
        ts=T0 + at,
        event=kind,
        device=device,
        detail=f"{kind} for the test",
    )


def ack(
    mission: str,
    command_id: str,
    action: CommandAction,
    accepted: bool = True,
    reason: str | None = None,
) -> CommandAck:
    return CommandAck(
        mission_id=mission,
        source="rocket",
        seq=next(_seq),
        ts=T0,
        command_id=command_id,
        device=Device.ROCKET,
        action=action,
        accepted=accepted,
        reason=reason if reason is not None else ("done" if accepted else "refused"),
    )
