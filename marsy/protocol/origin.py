"""Who sent a message: the topic it came on, never what its body says.

The broker's ACL pins every topic to one login (a device or service publishes only under its
own name, see :mod:`marsy.brokerconf`), so the topic is authenticated and the body is not. A
message is accepted only if it belongs on the topic it arrived on: its ``source`` (and, for a
device's own reports, its ``device``) must name the topic's publisher. Anything else is a
forgery or a bug, refused with the reason like any other contract violation.
"""

from __future__ import annotations

from marsy.protocol.enums import Device, Service
from marsy.protocol.errors import ContractError
from marsy.protocol.messages import (
    AstronautVitals,
    CommandAck,
    DeviceCommand,
    DeviceCounters,
    DeviceHealth,
    DeviceTelemetry,
    Message,
    MissionEvent,
    MissionStatus,
    decode_message,
)
from marsy.protocol.topics import Topics

_DEVICES = frozenset(str(device) for device in Device)


def check_origin(topics: Topics, topic: str, message: Message) -> None:
    """:class:`ContractError` unless ``message`` may have been published on ``topic`` by the
    login that owns it."""
    expected = topics.for_message(message)
    if topic != expected:
        field = "device" if isinstance(message, DeviceCommand | CommandAck) else "source"
        raise ContractError(field, f"belongs on {expected!r}, came on {topic!r}")
    if isinstance(message, MissionStatus) and message.source != Service.COMMAND:
        raise ContractError("source", "only command publishes the mission status")
    own_report = DeviceTelemetry | AstronautVitals | DeviceHealth | DeviceCounters | CommandAck
    if isinstance(message, own_report) and message.device != message.source:
        raise ContractError("device", f"{message.source} cannot report for the {message.device}")
    if (
        isinstance(message, MissionEvent)
        and message.device is not None
        and message.source in _DEVICES
        and message.device != message.source
    ):
        raise ContractError("device", f"{message.source} cannot report for the {message.device}")


def decode_delivery(topics: Topics, topic: str, payload: bytes | str) -> Message:
    """Decode a message received on ``topic`` and check its origin: :class:`ContractError` for
    a payload that does not fit the contract or does not belong on that topic."""
    message = decode_message(payload)
    check_origin(topics, topic, message)
    return message
