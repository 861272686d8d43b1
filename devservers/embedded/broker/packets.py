"""MQTT 5 packets as values: what :mod:`decoding` reads from bytes and :mod:`encoding` writes.

Only what MarsY's bus uses has a value here: QoS 2 (PUBREC/PUBREL/PUBCOMP) and AUTH have a type
number and nothing more, so they decode as a protocol error that closes the connection with a
clear reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from devservers.embedded.broker.errors import Reason
from devservers.embedded.broker.properties import Properties

EMPTY_PROPERTIES = b"\x00"
"""An encoded property section with no property: the length 0."""


class PacketType(IntEnum):
    CONNECT = 1
    CONNACK = 2
    PUBLISH = 3
    PUBACK = 4
    PUBREC = 5
    PUBREL = 6
    PUBCOMP = 7
    SUBSCRIBE = 8
    SUBACK = 9
    UNSUBSCRIBE = 10
    UNSUBACK = 11
    PINGREQ = 12
    PINGRESP = 13
    DISCONNECT = 14
    AUTH = 15


@dataclass(frozen=True, slots=True)
class Will:
    topic: str
    payload: bytes
    qos: int = 0
    retain: bool = False
    properties: Properties = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Connect:
    """A CONNECT; for a protocol level other than 5 only ``level`` is read."""

    level: int
    client_id: str = ""
    clean_start: bool = True
    keepalive: int = 0
    username: str | None = None
    password: bytes | None = None
    will: Will | None = None
    properties: Properties = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Connack:
    session_present: bool
    reason: int
    properties: Properties = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Publish:
    """``properties`` stays an encoded section: the broker forwards it without reading it."""

    topic: str
    payload: bytes
    qos: int = 0
    retain: bool = False
    dup: bool = False
    packet_id: int = 0
    properties: bytes = EMPTY_PROPERTIES


@dataclass(frozen=True, slots=True)
class Puback:
    packet_id: int
    reason: int = Reason.SUCCESS
    properties: Properties = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SubscriptionOptions:
    qos: int = 0
    no_local: bool = False
    retain_as_published: bool = False
    retain_handling: int = 0
    """0: send retained messages on subscribe; 1: only for a new subscription; 2: never."""


@dataclass(frozen=True, slots=True)
class Subscribe:
    packet_id: int
    subscriptions: tuple[tuple[str, SubscriptionOptions], ...]
    properties: Properties = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Suback:
    packet_id: int
    reasons: tuple[int, ...]
    properties: Properties = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    packet_id: int
    filters: tuple[str, ...]
    properties: Properties = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Unsuback:
    packet_id: int
    reasons: tuple[int, ...]
    properties: Properties = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Pingreq:
    pass


@dataclass(frozen=True, slots=True)
class Pingresp:
    pass


@dataclass(frozen=True, slots=True)
class Disconnect:
    reason: int = Reason.SUCCESS
    properties: Properties = field(default_factory=dict)


Packet = (
    Connect
    | Connack
    | Publish
    | Puback
    | Subscribe
    | Suback
    | Unsubscribe
    | Unsuback
    | Pingreq
    | Pingresp
    | Disconnect
)
