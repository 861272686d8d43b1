"""How telemetry is stored: measurement, tags, fields and database, derived from the dictionary.

A point is identified by its measurement (the device), its tags (mission, source) and its
timestamp (the device's own, in ns), so a QoS-1 redelivery overwrites itself: duplicates are
harmless. Field types follow the dictionary: an int parameter is always written ``12i`` and a
float one always as a float, because InfluxDB refuses a field that changes type.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from marsy.protocol import AstronautVitals, Device, DeviceTelemetry, ValueType, parameters_of
from marsy.protocol.parameters import Value
from marsy.settings import InfluxSettings

PAYLOAD_DEVICES = frozenset({Device.SATELLITE})
"""Satellite data are payload data: stored apart, in the payload database."""
SEQ_FIELD = "seq"
PHASE_FIELD = "phase"
TAGS = ("mission", "source")


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


def timestamp_ns(ts: float) -> int:
    return round(ts * 1e6) * 1000  # µs: what a float of Unix seconds holds exactly enough


def point_line(message: DeviceTelemetry | AstronautVitals) -> str:
    """The line protocol of one telemetry sample.

    Tag values and field names need no escaping: the contract restricts mission ids and sources
    to ``[A-Za-z0-9_-]`` and field names come from the dictionary.
    """
    formatters = FIELD_FORMATTERS[message.device]
    fields = ",".join(f"{name}={formatters[name](v)}" for name, v in message.values.items())
    return (
        f"{message.device},mission={message.mission_id},source={message.source} "
        f'{fields},{SEQ_FIELD}={message.seq}i,{PHASE_FIELD}="{message.phase}" '
        f"{timestamp_ns(message.ts)}"
    )
