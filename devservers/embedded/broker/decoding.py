"""Bytes to MQTT 5 packets: the fixed header, then each packet type's body.

:func:`parse` splits a received buffer into packets, the incomplete rest and the error that
ended it, if any: the server handles what came before a malformed packet, then closes that
one client. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from devservers.embedded.broker.errors import ProtocolError, Reason
from devservers.embedded.broker.packets import (
    EMPTY_PROPERTIES,
    Connack,
    Connect,
    Disconnect,
    Packet,
    PacketType,
    Pingreq,
    Pingresp,
    Puback,
    Publish,
    Suback,
    Subscribe,
    SubscriptionOptions,
    Unsuback,
    Unsubscribe,
    Will,
)
from devservers.embedded.broker.properties import (
    Prop,
    decode_binary,
    decode_properties,
    decode_string,
)

MALFORMED = Reason.MALFORMED_PACKET


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
