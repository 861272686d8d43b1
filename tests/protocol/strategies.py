"""Hypothesis strategies that build valid contract messages."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from marsy.protocol import (
    MESSAGE_TYPES,
    AgentCounters,
    Alert,
    AlertRule,
    AstronautVitals,
    CommandAck,
    CommandAction,
    DeadLetter,
    Device,
    DeviceCommand,
    DeviceCounters,
    DeviceHealth,
    DevicePresence,
    DeviceTelemetry,
    EventType,
    FlightPhase,
    LogLevel,
    LogRecord,
    MissionEvent,
    MissionState,
    MissionStatus,
    Parameter,
    PresenceState,
    ServiceHealth,
    Severity,
    StreamCount,
    ValueType,
    WebcastLine,
    parameters_of,
)

identifiers = st.from_regex(r"[a-z][a-z0-9_-]{0,63}", fullmatch=True)
mission_ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}", fullmatch=True)
correlation_ids = st.from_regex(r"[A-Za-z0-9_-]{8,64}", fullmatch=True)
names = st.text(min_size=1, max_size=64)
texts = st.text(max_size=300)
finite = st.floats(allow_nan=False, allow_infinity=False)

envelope: dict[str, Any] = {
    "mission_id": mission_ids,
    "source": identifiers,
    "seq": st.integers(0, 2**63 - 1),
    "ts": st.floats(0.0, 9.9e10, allow_nan=False),
}


def value_of(param: Parameter) -> st.SearchStrategy[Any]:
    if param.type is ValueType.BOOL:
        return st.booleans()
    if param.type is ValueType.INT:
        return st.integers(int(param.valid_min), int(param.valid_max))
    return st.floats(param.valid_min, param.valid_max, allow_nan=False)


def values_for(device: Device) -> st.SearchStrategy[dict[str, Any]]:
    params = parameters_of(device)
    return st.lists(st.sampled_from(params), min_size=1, unique=True).flatmap(
        lambda chosen: st.fixed_dictionaries({p.name: value_of(p) for p in chosen})
    )


telemetry = st.sampled_from([Device.ROCKET, Device.BOOSTER, Device.SATELLITE]).flatmap(
    lambda device: st.builds(
        DeviceTelemetry,
        device=st.just(device),
        phase=st.sampled_from(FlightPhase),
        values=values_for(device),
        **envelope,
    )
)
vitals = st.builds(
    AstronautVitals,
    astronaut=names,
    phase=st.sampled_from(FlightPhase),
    values=values_for(Device.SUIT),
    **envelope,
)
commands = st.sampled_from(CommandAction).flatmap(
    lambda action: st.builds(
        DeviceCommand,
        command_id=correlation_ids,
        device=st.sampled_from(Device),
        action=st.just(action),
        level=st.floats(0, 100) if action is CommandAction.THROTTLE else st.none(),
        text=st.none() | texts,
        **envelope,
    )
)
acks = st.booleans().flatmap(
    lambda accepted: st.builds(
        CommandAck,
        command_id=correlation_ids,
        device=st.sampled_from(Device),
        action=st.sampled_from(CommandAction),
        accepted=st.just(accepted),
        reason=(st.none() | texts) if accepted else st.text(min_size=1, max_size=200),
        detail=st.dictionaries(
            st.text(max_size=64),
            st.booleans() | st.integers(-(2**53), 2**53) | finite | texts,
            max_size=5,
        ),
        **envelope,
    )
)
events = st.builds(
    MissionEvent,
    event=st.sampled_from(EventType),
    device=st.none() | st.sampled_from(Device),
    detail=texts,
    **envelope,
)
statuses = st.builds(
    MissionStatus,
    state=st.sampled_from(MissionState),
    phase=st.sampled_from(FlightPhase),
    detail=texts,
    **envelope,
)
logs = st.builds(LogRecord, level=st.sampled_from(LogLevel), message=texts, **envelope)
webcasts = st.builds(WebcastLine, speaker=names, text=texts, **envelope)
alerts = st.builds(
    Alert,
    device=st.sampled_from(Device),
    rule=st.sampled_from(AlertRule),
    severity=st.sampled_from([Severity.YELLOW, Severity.RED]),
    cleared=st.booleans(),
    parameter=st.none() | identifiers,
    value=st.none() | finite,
    limit=st.none() | finite,
    message=texts,
    **envelope,
)
counts = st.integers(0, 2**31)
stream_counts = st.dictionaries(
    identifiers,
    st.builds(StreamCount, numbered=counts, dropped=counts),
    max_size=4,
)
agent_counters = st.builds(
    AgentCounters,
    frames_read=counts,
    frames_bad=counts,
    frames_refused=counts,
    write_failures=counts,
    held=counts,
    held_total=counts,
    dropped_full=counts,
    streams=stream_counts,
    standby=stream_counts,
)
healths = st.builds(
    DeviceHealth,
    device=st.sampled_from(Device),
    uptime=st.floats(0, 1e9),
    frames_ok=counts,
    frames_bad=counts,
    queue_depth=counts,
    dropped=counts,
    reconnects=counts,
    board_online=st.booleans(),
    counters=st.none() | agent_counters,
    **envelope,
)
device_counters = st.builds(
    DeviceCounters, device=st.sampled_from(Device), counters=agent_counters, **envelope
)
deadletters = st.builds(
    DeadLetter,
    topic=st.text(max_size=256),
    field=st.text(max_size=256),
    reason=texts,
    size=counts,
    excerpt=st.text(max_size=512),
    **{**envelope, "mission_id": st.none() | mission_ids},
)
service_healths = st.builds(
    ServiceHealth,
    uptime=st.floats(0, 1e6),
    ingest_lag=st.none() | st.floats(0, 1e6),
    last_write=st.none() | st.floats(0, 1e10),
    pending=counts,
    store_ok=st.none() | st.booleans(),
    **envelope,
)
presences = st.builds(
    DevicePresence,
    state=st.sampled_from(PresenceState),
    **{**envelope, "mission_id": st.none() | mission_ids},
)

BY_TYPE: dict[type, st.SearchStrategy[Any]] = {
    DeviceTelemetry: telemetry,
    AstronautVitals: vitals,
    DeviceCommand: commands,
    CommandAck: acks,
    MissionEvent: events,
    MissionStatus: statuses,
    LogRecord: logs,
    WebcastLine: webcasts,
    Alert: alerts,
    DeviceHealth: healths,
    DeviceCounters: device_counters,
    ServiceHealth: service_healths,
    DeadLetter: deadletters,
    DevicePresence: presences,
}
assert set(BY_TYPE) == set(MESSAGE_TYPES), "every message type needs a strategy"
messages = st.one_of(*BY_TYPE.values())
