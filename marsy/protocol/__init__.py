"""The MarsY contract: parameter dictionary, message models, topic names and errors.

No I/O happens here and nothing here imports paho, serial, flask or influxdb: every process
(edge, ground, simulator) depends on this package and on nothing of each other.
"""

from marsy.protocol.enums import (
    AlertRule,
    CommandAction,
    Device,
    EventType,
    FlightPhase,
    LogLevel,
    MissionState,
    PresenceState,
    Service,
    Severity,
)
from marsy.protocol.errors import ContractError
from marsy.protocol.messages import (
    MESSAGE_TYPES,
    SCHEMA_VERSION,
    Alert,
    AstronautVitals,
    CommandAck,
    DeviceCommand,
    DevicePresence,
    DeviceTelemetry,
    LogRecord,
    Message,
    MissionEvent,
    MissionStatus,
    WebcastLine,
    build,
    decode_as,
    decode_message,
    encode_message,
)
from marsy.protocol.parameters import (
    BY_DEVICE,
    PARAMETERS,
    Limits,
    Parameter,
    ValueType,
    parameter,
    parameters_of,
)
from marsy.protocol.topics import RETAINED, Channel, Topics

__all__ = [
    "BY_DEVICE",
    "MESSAGE_TYPES",
    "PARAMETERS",
    "RETAINED",
    "SCHEMA_VERSION",
    "Alert",
    "AlertRule",
    "AstronautVitals",
    "Channel",
    "CommandAck",
    "CommandAction",
    "ContractError",
    "Device",
    "DeviceCommand",
    "DevicePresence",
    "DeviceTelemetry",
    "EventType",
    "FlightPhase",
    "Limits",
    "LogLevel",
    "LogRecord",
    "Message",
    "MissionEvent",
    "MissionState",
    "MissionStatus",
    "Parameter",
    "PresenceState",
    "Service",
    "Severity",
    "Topics",
    "ValueType",
    "WebcastLine",
    "build",
    "decode_as",
    "decode_message",
    "encode_message",
    "parameter",
    "parameters_of",
]
