"""MQTT 5 packets to bytes, in either direction (the broker's answers, the tests' clients).

:func:`encode` writes any packet; :func:`publish_frame` is the fast path for the PUBLISH a
fan-out sends many times with only the packet id changed. Pure: no I/O.
"""

from __future__ import annotations

from devservers.embedded.broker.packets import (
    Connack,
    Connect,
    Disconnect,
    Packet,
    Pingreq,
    Pingresp,
    Puback,
    Publish,
    Suback,
    Subscribe,
    Unsuback,
)
from devservers.embedded.broker.properties import (
    encode_binary,
    encode_properties,
    encode_string,
    encode_varint,
)


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
