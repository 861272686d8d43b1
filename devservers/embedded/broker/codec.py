"""MQTT 5 packets as values, and the pure functions between them and bytes.

:func:`parse` splits a received buffer into packets, the incomplete rest and the error that
ended it, if any: the server handles what came before a malformed packet, then closes that
one client. :func:`encode` turns any packet back into bytes; :func:`publish_frame` is the fast
path for the PUBLISH a fan-out sends many times with only the packet id changed.

QoS 2 (PUBREC/PUBREL/PUBCOMP) and AUTH are not part of what MarsY uses; they decode as a
protocol error, which closes the connection with a clear reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import NamedTuple

from devservers.embedded.broker.errors import ProtocolError, Reason
from devservers.embedded.broker.properties import (
    Prop,
    Properties,
    decode_binary,
    decode_properties,
    decode_string,
    encode_binary,
    encode_properties,
    encode_string,
    encode_varint,
)

MALFORMED = Reason.MALFORMED_PACKET
EMPTY_PROPERTIES = b"\x00"


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


_FLAGS_0010 = (PacketType.PUBREL, PacketType.SUBSCRIBE, PacketType.UNSUBSCRIBE)
"""Packet types whose fixed-header flags must be 0b0010; all others but PUBLISH have 0."""


class Parsed(NamedTuple):
    packets: list[Packet]
    rest: bytes
    """The start of a packet not yet complete; keep it and parse again with more bytes."""
    error: ProtocolError | None
    """What stopped the parse; the bytes after it are garbage and the connection must close."""


def parse(buffer: bytes, max_packet_size: int) -> Parsed:
    """Every complete packet in ``buffer``, oldest first."""
    packets: list[Packet] = []
    pos = 0
    size = len(buffer)
    while pos < size:
        first = buffer[pos]
        length = 0
        at = pos + 1
        for shift in (0, 7, 14, 21):
            if at >= size:
                return Parsed(packets, buffer[pos:], None)
            byte = buffer[at]
            at += 1
            length |= (byte & 0x7F) << shift
            if not byte & 0x80:
                break
        else:
            return Parsed(packets, b"", ProtocolError(MALFORMED, "remaining length too long"))
        if at - pos + length > max_packet_size:
            error = ProtocolError(Reason.PACKET_TOO_LARGE, f"{at - pos + length} bytes")
            return Parsed(packets, b"", error)
        end = at + length
        if end > size:
            return Parsed(packets, buffer[pos:], None)
        try:
            packets.append(decode(first, buffer[at:end]))
        except ProtocolError as exc:
            return Parsed(packets, b"", exc)
        pos = end
    return Parsed(packets, b"", None)


def decode(first: int, body: bytes) -> Packet:
    """One packet from its first byte and the bytes after the remaining length."""
    kind = first >> 4
    flags = first & 0x0F
    if kind == PacketType.PUBLISH:
        return _decode_publish(flags, body)
    expected_flags = 0x02 if kind in _FLAGS_0010 else 0
    if flags != expected_flags:
        raise ProtocolError(MALFORMED, f"packet type {kind} with flags {flags:#x}")
    try:
        if kind == PacketType.PUBACK:
            return _decode_puback(body)
        if kind == PacketType.PINGREQ:
            _expect_empty(body)
            return Pingreq()
        if kind == PacketType.PINGRESP:
            _expect_empty(body)
            return Pingresp()
        decoder = _DECODERS.get(kind)
        if decoder is None:
            name = PacketType(kind).name if kind else "reserved type 0"
            reason = MALFORMED if kind == 0 else Reason.PROTOCOL_ERROR
            raise ProtocolError(reason, f"{name} is not supported by this broker")
        return decoder(body)
    except IndexError:
        raise ProtocolError(MALFORMED, f"packet type {kind} is truncated") from None


def _expect_empty(body: bytes) -> None:
    if body:
        raise ProtocolError(MALFORMED, "unexpected bytes after a packet without body")


def _decode_publish(flags: int, body: bytes) -> Publish:
    qos = (flags >> 1) & 0x03
    if qos == 3:
        raise ProtocolError(MALFORMED, "PUBLISH with QoS 3")
    if not qos and flags & 0x08:
        raise ProtocolError(MALFORMED, "DUP set on a QoS 0 PUBLISH")
    topic, pos = decode_string(body, 0)
    packet_id = 0
    if qos:
        if pos + 2 > len(body):
            raise ProtocolError(MALFORMED, "PUBLISH without packet identifier")
        packet_id = (body[pos] << 8) | body[pos + 1]
        pos += 2
        if packet_id == 0:
            raise ProtocolError(MALFORMED, "packet identifier 0")
    if pos < len(body) and body[pos] == 0:  # the usual case: no properties at all
        properties = EMPTY_PROPERTIES
        pos += 1
    else:
        start = pos
        props, pos = decode_properties(body, pos)
        if Prop.TOPIC_ALIAS in props:
            raise ProtocolError(Reason.TOPIC_ALIAS_INVALID, "topic aliases are not accepted")
        if Prop.SUBSCRIPTION_IDENTIFIER in props:
            raise ProtocolError(Reason.PROTOCOL_ERROR, "subscription identifier in PUBLISH")
        properties = body[start:pos]
    return Publish(
        topic=topic,
        payload=body[pos:],
        qos=qos,
        retain=bool(flags & 0x01),
        dup=bool(flags & 0x08),
        packet_id=packet_id,
        properties=properties,
    )


def _decode_connect(body: bytes) -> Connect:
    name, pos = decode_string(body, 0)
    level = body[pos]
    if name not in ("MQTT", "MQIsdp"):
        raise ProtocolError(Reason.PROTOCOL_ERROR, f"protocol name {name!r}")
    if level != 5:
        return Connect(level=level)
    flags = body[pos + 1]
    keepalive = (body[pos + 2] << 8) | body[pos + 3]
    if flags & 0x01:
        raise ProtocolError(MALFORMED, "reserved CONNECT flag set")
    properties, pos = decode_properties(body, pos + 4)
    client_id, pos = decode_string(body, pos)
    will = None
    will_qos = (flags >> 3) & 0x03
    if flags & 0x04:
        if will_qos == 3:
            raise ProtocolError(MALFORMED, "will QoS 3")
        will_props, pos = decode_properties(body, pos)
        will_topic, pos = decode_string(body, pos)
        will_payload, pos = decode_binary(body, pos)
        will = Will(will_topic, will_payload, will_qos, bool(flags & 0x20), will_props)
    elif will_qos or flags & 0x20:
        raise ProtocolError(MALFORMED, "will QoS or retain without a will")
    username = password = None
    if flags & 0x80:
        username, pos = decode_string(body, pos)
    if flags & 0x40:
        password, pos = decode_binary(body, pos)
    if pos != len(body):
        raise ProtocolError(MALFORMED, "bytes after the CONNECT payload")
    return Connect(
        level=level,
        client_id=client_id,
        clean_start=bool(flags & 0x02),
        keepalive=keepalive,
        username=username,
        password=password,
        will=will,
        properties=properties,
    )


def _decode_connack(body: bytes) -> Connack:
    properties, pos = decode_properties(body, 2)
    _expect_end(body, pos)
    return Connack(bool(body[0] & 0x01), body[1], properties)


def _decode_puback(body: bytes) -> Puback:
    if len(body) < 2:
        raise ProtocolError(MALFORMED, "PUBACK without packet identifier")
    packet_id = (body[0] << 8) | body[1]
    if len(body) == 2:
        return Puback(packet_id)
    if len(body) == 3:
        return Puback(packet_id, body[2])
    properties, pos = decode_properties(body, 3)
    _expect_end(body, pos)
    return Puback(packet_id, body[2], properties)


def _decode_subscribe(body: bytes) -> Subscribe:
    packet_id = _packet_id(body)
    properties, pos = decode_properties(body, 2)
    subscriptions: list[tuple[str, SubscriptionOptions]] = []
    while pos < len(body):
        topic_filter, pos = decode_string(body, pos)
        options = body[pos]
        pos += 1
        qos, handling = options & 0x03, (options >> 4) & 0x03
        if options & 0xC0 or qos == 3 or handling == 3:
            raise ProtocolError(MALFORMED, f"subscription options {options:#04x}")
        subscriptions.append(
            (
                topic_filter,
                SubscriptionOptions(qos, bool(options & 0x04), bool(options & 0x08), handling),
            )
        )
    if not subscriptions:
        raise ProtocolError(Reason.PROTOCOL_ERROR, "SUBSCRIBE without a topic filter")
    return Subscribe(packet_id, tuple(subscriptions), properties)


def _decode_unsubscribe(body: bytes) -> Unsubscribe:
    packet_id = _packet_id(body)
    properties, pos = decode_properties(body, 2)
    filters: list[str] = []
    while pos < len(body):
        topic_filter, pos = decode_string(body, pos)
        filters.append(topic_filter)
    if not filters:
        raise ProtocolError(Reason.PROTOCOL_ERROR, "UNSUBSCRIBE without a topic filter")
    return Unsubscribe(packet_id, tuple(filters), properties)


def _decode_suback(body: bytes) -> Suback:
    packet_id = _packet_id(body)
    properties, pos = decode_properties(body, 2)
    return Suback(packet_id, tuple(body[pos:]), properties)


def _decode_unsuback(body: bytes) -> Unsuback:
    packet_id = _packet_id(body)
    properties, pos = decode_properties(body, 2)
    return Unsuback(packet_id, tuple(body[pos:]), properties)


def _decode_disconnect(body: bytes) -> Disconnect:
    if not body:
        return Disconnect()
    if len(body) == 1:
        return Disconnect(body[0])
    properties, pos = decode_properties(body, 1)
    _expect_end(body, pos)
    return Disconnect(body[0], properties)


def _packet_id(body: bytes) -> int:
    packet_id = (body[0] << 8) | body[1]
    if packet_id == 0:
        raise ProtocolError(MALFORMED, "packet identifier 0")
    return packet_id


def _expect_end(body: bytes, pos: int) -> None:
    if pos != len(body):
        raise ProtocolError(MALFORMED, "bytes after the property section")


_DECODERS: dict[int, Callable[[bytes], Packet]] = {
    PacketType.CONNECT: _decode_connect,
    PacketType.CONNACK: _decode_connack,
    PacketType.SUBSCRIBE: _decode_subscribe,
    PacketType.SUBACK: _decode_suback,
    PacketType.UNSUBSCRIBE: _decode_unsubscribe,
    PacketType.UNSUBACK: _decode_unsuback,
    PacketType.DISCONNECT: _decode_disconnect,
}


# --- encoding ------------------------------------------------------------------------------


def frame(first: int, body: bytes) -> bytes:
    """Fixed header (type and flags, remaining length) followed by ``body``."""
    return bytes((first,)) + encode_varint(len(body)) + body


def publish_frame(
    topic_field: bytes, tail: bytes, qos: int, retain: bool, dup: bool, packet_id: int
) -> bytes:
    """A PUBLISH from its pre-encoded parts: ``topic_field`` is the length-prefixed topic,
    ``tail`` the property section followed by the payload."""
    first = 0x30 | (qos << 1) | (0x01 if retain else 0) | (0x08 if dup else 0)
    if qos:
        length = len(topic_field) + 2 + len(tail)
        return b"".join(
            (bytes((first,)), encode_varint(length), topic_field, packet_id.to_bytes(2), tail)
        )
    length = len(topic_field) + len(tail)
    return b"".join((bytes((first,)), encode_varint(length), topic_field, tail))


def encode(packet: Packet) -> bytes:
    """The bytes of any packet, in either direction."""
    if isinstance(packet, Publish):
        tail = packet.properties + packet.payload
        topic_field = encode_string(packet.topic)
        return publish_frame(
            topic_field, tail, packet.qos, packet.retain, packet.dup, packet.packet_id
        )
    if isinstance(packet, Puback):
        body = packet.packet_id.to_bytes(2)
        if packet.reason or packet.properties:
            body += bytes((packet.reason,))
        if packet.properties:
            body += encode_properties(packet.properties)
        return frame(0x40, body)
    if isinstance(packet, Connack):
        flags = b"\x01" if packet.session_present else b"\x00"
        return frame(0x20, flags + bytes((packet.reason,)) + encode_properties(packet.properties))
    if isinstance(packet, Suback | Unsuback):
        first = 0x90 if isinstance(packet, Suback) else 0xB0
        body = packet.packet_id.to_bytes(2) + encode_properties(packet.properties)
        return frame(first, body + bytes(packet.reasons))
    if isinstance(packet, Disconnect):
        if not packet.properties:  # both may be left out when empty
            return frame(0xE0, bytes((packet.reason,)) if packet.reason else b"")
        return frame(0xE0, bytes((packet.reason,)) + encode_properties(packet.properties))
    if isinstance(packet, Pingreq):
        return frame(0xC0, b"")
    if isinstance(packet, Pingresp):
        return frame(0xD0, b"")
    if isinstance(packet, Connect):
        return _encode_connect(packet)
    if isinstance(packet, Subscribe):
        buf = bytearray(packet.packet_id.to_bytes(2) + encode_properties(packet.properties))
        for topic_filter, opts in packet.subscriptions:
            buf += encode_string(topic_filter)
            buf.append(
                opts.qos
                | (0x04 if opts.no_local else 0)
                | (0x08 if opts.retain_as_published else 0)
                | (opts.retain_handling << 4)
            )
        return frame(0x82, bytes(buf))
    body = packet.packet_id.to_bytes(2) + encode_properties(packet.properties)
    return frame(0xA2, body + b"".join(encode_string(f) for f in packet.filters))


def _encode_connect(packet: Connect) -> bytes:
    flags = 0x02 if packet.clean_start else 0
    payload = encode_string(packet.client_id)
    if packet.will is not None:
        will = packet.will
        flags |= 0x04 | (will.qos << 3) | (0x20 if will.retain else 0)
        payload += encode_properties(will.properties)
        payload += encode_string(will.topic) + encode_binary(will.payload)
    if packet.username is not None:
        flags |= 0x80
        payload += encode_string(packet.username)
    if packet.password is not None:
        flags |= 0x40
        payload += encode_binary(packet.password)
    header = encode_string("MQTT") + bytes((packet.level, flags))
    header += packet.keepalive.to_bytes(2) + encode_properties(packet.properties)
    return frame(0x10, header + payload)
