"""MQTT topic names, built in one place.

The original design's Kafka topics (logs, webcast commentary, mission status, errors,
astronaut vitals) become MQTT topics under one root, plus telemetry, commands, acks, events,
presence, health and dead letters. Every topic of a device or service ends with its identity,
so the broker's ACL can let each client publish only under its own name (see
:mod:`marsy.brokerconf`). A test run picks its own root so runs cannot collide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel

from marsy.protocol.enums import Device
from marsy.protocol.messages import (
    Alert,
    AstronautVitals,
    CommandAck,
    DeadLetter,
    DeviceCommand,
    DeviceCounters,
    DeviceHealth,
    DevicePresence,
    DeviceTelemetry,
    LogRecord,
    MissionEvent,
    MissionStatus,
    ServiceHealth,
    WebcastLine,
)

_ROOT = re.compile(r"^[A-Za-z0-9_-]{1,64}(/[A-Za-z0-9_-]{1,64}){0,3}$")
_GROUP = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

SHARE = "$share"
"""MQTT 5's shared subscriptions: ``$share/{group}/{filter}`` hands each message of ``filter``
to one subscriber of ``group`` only."""
INGEST_GROUP = "ingest"
"""The group the telemetry ingest's workers share the flight's topics in."""


class Channel(StrEnum):
    """The second level of every topic: what kind of traffic it carries."""

    TELEMETRY = "telemetry"
    VITALS = "vitals"
    COMMAND = "command"
    ACK = "ack"
    EVENTS = "events"
    MISSION = "mission"
    LOGS = "logs"
    WEBCAST = "webcast"
    ERRORS = "errors"
    PRESENCE = "presence"
    HEALTH = "health"
    COUNTERS = "counters"
    DEADLETTER = "deadletter"


RETAINED = frozenset({Channel.MISSION, Channel.PRESENCE, Channel.COUNTERS})
"""Channels whose last message is retained, so a late subscriber learns the current state."""

_CHANNEL_OF: dict[type[BaseModel], Channel] = {
    DeviceTelemetry: Channel.TELEMETRY,
    AstronautVitals: Channel.VITALS,
    DeviceCommand: Channel.COMMAND,
    CommandAck: Channel.ACK,
    MissionEvent: Channel.EVENTS,
    LogRecord: Channel.LOGS,
    WebcastLine: Channel.WEBCAST,
    Alert: Channel.ERRORS,
    DevicePresence: Channel.PRESENCE,
    DeviceHealth: Channel.HEALTH,
    DeviceCounters: Channel.COUNTERS,
    ServiceHealth: Channel.HEALTH,
    DeadLetter: Channel.DEADLETTER,
    MissionStatus: Channel.MISSION,
}


@dataclass(frozen=True)
class Topics:
    """Topic builder for one MarsY deployment (or one test run) rooted at ``root``."""

    root: str = "marsy"

    def __post_init__(self) -> None:
        if not _ROOT.match(self.root):
            raise ValueError(f"topic root {self.root!r}: letters, digits, _ and - only")

    def topic(self, channel: Channel, name: str) -> str:
        """``{root}/{channel}/{name}``: ``name`` is the publisher, or the device addressed."""
        return f"{self.root}/{channel}/{name}"

    def channel_filter(self, channel: Channel) -> str:
        """Subscription filter for every topic of one channel."""
        return f"{self.root}/{channel}/+"

    def shared(self, group: str, topic_filter: str) -> str:
        """``topic_filter`` shared by ``group``: each message goes to one of its subscribers
        (MQTT 5; Mosquitto 2.0, EMQX, HiveMQ, VerneMQ)."""
        if not _GROUP.match(group):
            raise ValueError(f"share group {group!r}: letters, digits, _ and - only")
        return f"{SHARE}/{group}/{topic_filter}"

    @property
    def everything(self) -> str:
        return f"{self.root}/#"

    @property
    def mission_status(self) -> str:
        return f"{self.root}/{Channel.MISSION}/status"

    def command(self, device: Device) -> str:
        return self.topic(Channel.COMMAND, device)

    def presence(self, client: str) -> str:
        return self.topic(Channel.PRESENCE, client)

    def for_message(self, message: BaseModel) -> str:
        """The one topic a message is published on."""
        if isinstance(message, MissionStatus):
            return self.mission_status
        channel = _CHANNEL_OF[type(message)]
        if isinstance(message, DeviceCommand | CommandAck):
            return self.topic(channel, message.device)
        return self.topic(channel, message.source)  # type: ignore[attr-defined]

    def is_retained(self, message: BaseModel) -> bool:
        """Whether ``message`` is published retained (the latest state, not an event)."""
        return _CHANNEL_OF[type(message)] in RETAINED

    def parse(self, topic: str) -> tuple[Channel, str]:
        """Split a topic of this root into channel and name; ``ValueError`` otherwise."""
        prefix = f"{self.root}/"
        if not topic.startswith(prefix):
            raise ValueError(f"{topic!r} is not under {self.root!r}")
        channel, sep, name = topic[len(prefix) :].partition("/")
        if not sep or not name or "/" in name:
            raise ValueError(f"{topic!r} is not {{root}}/{{channel}}/{{name}}")
        try:
            return Channel(channel), name
        except ValueError:
            raise ValueError(f"{topic!r}: unknown channel {channel!r}") from None
