"""Messages as the calculator hears them on the bus, for its tests."""

from __future__ import annotations

from itertools import count

from marsy.protocol import (
    Device,
    DeviceHealth,
    DevicePresence,
    EventType,
    FlightPhase,
    MissionEvent,
    MissionState,
    MissionStatus,
    PresenceState,
    ServiceHealth,
    measurement,
)
from marsy.protocol.messages import AstronautVitals, DeviceTelemetry

MISSION = "M-live"
_seq = count(1)

SAMPLE_VALUES = {
    Device.ROCKET: {"altitude": 1000.0},
    Device.BOOSTER: {"altitude": 1000.0},
    Device.SATELLITE: {"altitude": 400_000.0},
    Device.SUIT: {"heart_rate": 80.0},
}


def sample(
    device: Device,
    ts: float,
    phase: FlightPhase = FlightPhase.ASCENT,
    mission: str = MISSION,
    **values: float,
) -> DeviceTelemetry | AstronautVitals:
    """One sample of ``device``'s board, taken at ``ts``."""
    return measurement(
        device,
        astronaut="Thomas",
        mission_id=mission,
        source=str(device),
        seq=next(_seq),
        ts=ts,
        phase=phase,
        values=values or SAMPLE_VALUES[device],
    )


def heartbeat(device: Device, ts: float, mission: str = MISSION) -> DeviceHealth:
    return DeviceHealth(
        mission_id=mission,
        source=str(device),
        seq=next(_seq),
        ts=ts,
        device=device,
        uptime=10.0,
        frames_ok=100,
        frames_bad=0,
        queue_depth=0,
        dropped=0,
        reconnects=0,
        board_online=True,
    )


def presence(device: Device, state: PresenceState, seq: int) -> DevicePresence:
    return DevicePresence(source=str(device), seq=seq, ts=0.0, state=state)


def status(state: MissionState = MissionState.FLYING, mission: str = MISSION) -> MissionStatus:
    return MissionStatus(
        mission_id=mission,
        source="command",
        seq=next(_seq),
        ts=0.0,
        state=state,
        phase=FlightPhase.ASCENT,
    )


def event(source: str, kind: EventType, device: Device | None = None) -> MissionEvent:
    return MissionEvent(
        mission_id=MISSION, source=source, seq=next(_seq), ts=0.0, event=kind, device=device
    )


def service_health(
    source: str,
    ts: float,
    *,
    ingest_lag: float | None = None,
    pending: int = 0,
    store_ok: bool | None = None,
) -> ServiceHealth:
    """A ground service's heartbeat; ``calculator`` is the calculator's own loopback."""
    return ServiceHealth(
        mission_id=MISSION,
        source=source,
        seq=next(_seq),
        ts=ts,
        uptime=1.0,
        ingest_lag=ingest_lag,
        pending=pending,
        store_ok=store_ok,
    )
