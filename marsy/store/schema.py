"""How data are stored in InfluxDB: measurements, tags, fields, databases.

Telemetry: measurement = the device (``rocket``, ``booster``, ``satellite``, ``suit``), tags
``mission`` and ``source``, one field per dictionary parameter plus ``seq`` and ``phase``.
Beside it, in the flight database: ``events`` (mission events, for phase annotations),
``alerts`` (the calculator's verdicts) and ``health`` (the agents' heartbeats, link health).

A point is identified by its measurement, its tags and its timestamp (the source's own, in
µs precision), so a QoS-1 redelivery overwrites itself: duplicates are harmless. Field types
follow the dictionary: an int parameter is always written ``12i`` and a float one always as a
float, because InfluxDB refuses a field that changes type.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from marsy.protocol import (
    Alert,
    AstronautVitals,
    Device,
    DeviceHealth,
    DeviceTelemetry,
    MissionEvent,
    ValueType,
    parameters_of,
)
from marsy.protocol.parameters import Value
from marsy.settings import InfluxSettings

PAYLOAD_DEVICES = frozenset({Device.SATELLITE})
"""Satellite data are payload data: stored apart, in the payload database."""
MISSION_TAG = "mission"
"""Every point's mission id: each query names one mission, so InfluxDB reads only its series."""
SOURCE_TAG = "source"
DEVICE_TAG = "device"
"""The device an event, alert or heartbeat is about (telemetry's measurement is its device)."""
SEQ_FIELD = "seq"
PHASE_FIELD = "phase"
TAGS = (MISSION_TAG, SOURCE_TAG)
REPLAY_SUFFIX = "-replay"
"""``marsy replay`` stores a mission fed back through the bus under the live id with this suffix,
beside the live one: a replay is never a mission of its own (Grafana's mission list skips it)."""


def replay_id(mission_id: str) -> str:
    """The mission id a replay of ``mission_id`` is stored under."""
    return f"{mission_id}{REPLAY_SUFFIX}"


def measurement_for(device: Device) -> str:
    return str(device)


def database_for(device: Device, settings: InfluxSettings) -> str:
    return settings.payload_db if device in PAYLOAD_DEVICES else settings.flight_db


def _float(value: Value) -> str:
    return repr(float(value))


def _int(value: Value) -> str:
    return f"{int(value)}i"


def _bool(value: Value) -> str:
    return "true" if value else "false"


_FORMAT_BY_TYPE: Mapping[ValueType, Callable[[Value], str]] = {
    ValueType.FLOAT: _float,
    ValueType.INT: _int,
    ValueType.BOOL: _bool,
}

FIELD_FORMATTERS: Mapping[Device, Mapping[str, Callable[[Value], str]]] = MappingProxyType(
    {
        device: MappingProxyType({p.name: _FORMAT_BY_TYPE[p.type] for p in parameters_of(device)})
        for device in Device
    }
)


_FLOAT_FIELDS: Mapping[Device, frozenset[str]] = MappingProxyType(
    {
        device: frozenset(p.name for p in parameters_of(device) if p.type is ValueType.FLOAT)
        for device in Device
    }
)


def timestamp_ns(ts: float) -> int:
    return round(ts * 1e6) * 1000  # µs: what a float of Unix seconds holds exactly enough


def point_line(message: DeviceTelemetry | AstronautVitals) -> str:
    """The line protocol of one telemetry sample.

    Tag values and field names need no escaping: the contract restricts mission ids and sources
    to ``[A-Za-z0-9_-]`` and field names come from the dictionary.
    """
    formatters = FIELD_FORMATTERS[message.device]
    floats = _FLOAT_FIELDS[message.device]
    # A float field's value is written as _float would, without the call: most fields are.
    fields = ",".join(
        [
            f"{name}={v!r}"
            if type(v) is float and name in floats
            else f"{name}={formatters[name](v)}"
            for name, v in message.values.items()
        ]
    )
    return (
        f"{message.device},{MISSION_TAG}={message.mission_id},{SOURCE_TAG}={message.source} "
        f'{fields},{SEQ_FIELD}={message.seq}i,{PHASE_FIELD}="{message.phase}" '
        f"{timestamp_ns(message.ts)}"
    )


EVENTS = "events"
ALERTS = "alerts"
HEALTH = "health"

EVENT_TAG = "event"
DETAIL_FIELD = "detail"
RULE_TAG = "rule"
PARAMETER_TAG = "parameter"
LEVEL_FIELD = "level"
"""An alert's level: 0 cleared, 1 yellow, 2 red."""
ALERT_TAGS = (DEVICE_TAG, RULE_TAG, PARAMETER_TAG)
ALERT_FIELDS = (LEVEL_FIELD, "value", "limit", "message")
"""What :func:`alert_line` writes beside ``mission``, ``source`` and ``seq``."""


def _string(value: str) -> str:
    """A line-protocol string field: quotes and backslashes escaped, newlines flattened."""
    flat = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return f'"{flat}"'


def event_line(message: MissionEvent) -> str:
    """A mission event: tag ``event``, text field ``detail`` (for Grafana annotations)."""
    device = f",{DEVICE_TAG}={message.device}" if message.device is not None else ""
    return (
        f"{EVENTS},{MISSION_TAG}={message.mission_id},{SOURCE_TAG}={message.source},"
        f"{EVENT_TAG}={message.event}{device} {DETAIL_FIELD}={_string(message.detail)},"
        f"{SEQ_FIELD}={message.seq}i {timestamp_ns(message.ts)}"
    )


def alert_line(message: Alert) -> str:
    """An alert or its clearing: severity 1 yellow, 2 red, 0 cleared."""
    level = 0 if message.cleared else message.severity.rank
    fields = [
        f"{LEVEL_FIELD}={level}i",
        f"message={_string(message.message)}",
        f"{SEQ_FIELD}={message.seq}i",
    ]
    if message.value is not None:
        fields.append(f"value={float(message.value)!r}")
    if message.limit is not None:
        fields.append(f"limit={float(message.limit)!r}")
    parameter = message.parameter or "none"
    return (
        f"{ALERTS},{MISSION_TAG}={message.mission_id},{SOURCE_TAG}={message.source},"
        f"{DEVICE_TAG}={message.device},{RULE_TAG}={message.rule},{PARAMETER_TAG}={parameter} "
        f"{','.join(fields)} "
        f"{timestamp_ns(message.ts)}"
    )


def health_line(message: DeviceHealth) -> str:
    """An agent heartbeat: link and queue health of one device."""
    return (
        f"{HEALTH},{MISSION_TAG}={message.mission_id},{SOURCE_TAG}={message.source},"
        f"{DEVICE_TAG}={message.device} "
        f"uptime={message.uptime!r},frames_ok={message.frames_ok}i,"
        f"frames_bad={message.frames_bad}i,queue_depth={message.queue_depth}i,"
        f"dropped={message.dropped}i,reconnects={message.reconnects}i,"
        f"board_online={'true' if message.board_online else 'false'},seq={message.seq}i "
        f"{timestamp_ns(message.ts)}"
    )
