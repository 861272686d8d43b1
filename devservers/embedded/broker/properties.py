"""MQTT 5 properties: the typed key/value section of most packets, as bytes and back.

Pure functions over bytes. A decoded section is a ``dict`` from :class:`Prop` to its value;
``USER_PROPERTY`` and ``SUBSCRIPTION_IDENTIFIER`` may repeat, so their value is a list.
"""

from __future__ import annotations

import struct
from enum import IntEnum

from devservers.embedded.broker.errors import ProtocolError, Reason


class Prop(IntEnum):
    PAYLOAD_FORMAT_INDICATOR = 0x01
    MESSAGE_EXPIRY_INTERVAL = 0x02
    CONTENT_TYPE = 0x03
    RESPONSE_TOPIC = 0x08
    CORRELATION_DATA = 0x09
    SUBSCRIPTION_IDENTIFIER = 0x0B
    SESSION_EXPIRY_INTERVAL = 0x11
    ASSIGNED_CLIENT_IDENTIFIER = 0x12
    SERVER_KEEP_ALIVE = 0x13
    AUTHENTICATION_METHOD = 0x15
    AUTHENTICATION_DATA = 0x16
    REQUEST_PROBLEM_INFORMATION = 0x17
    WILL_DELAY_INTERVAL = 0x18
    REQUEST_RESPONSE_INFORMATION = 0x19
    RESPONSE_INFORMATION = 0x1A
    SERVER_REFERENCE = 0x1C
    REASON_STRING = 0x1F
    RECEIVE_MAXIMUM = 0x21
    TOPIC_ALIAS_MAXIMUM = 0x22
    TOPIC_ALIAS = 0x23
    MAXIMUM_QOS = 0x24
    RETAIN_AVAILABLE = 0x25
    USER_PROPERTY = 0x26
    MAXIMUM_PACKET_SIZE = 0x27
    WILDCARD_SUBSCRIPTION_AVAILABLE = 0x28
    SUBSCRIPTION_IDENTIFIER_AVAILABLE = 0x29
    SHARED_SUBSCRIPTION_AVAILABLE = 0x2A


class _Kind(IntEnum):
    BYTE = 1
    U16 = 2
    U32 = 4
    VARINT = 5
    UTF8 = 6
    BINARY = 7
    PAIR = 8


_KINDS: dict[Prop, _Kind] = {
    Prop.PAYLOAD_FORMAT_INDICATOR: _Kind.BYTE,
    Prop.MESSAGE_EXPIRY_INTERVAL: _Kind.U32,
    Prop.CONTENT_TYPE: _Kind.UTF8,
    Prop.RESPONSE_TOPIC: _Kind.UTF8,
    Prop.CORRELATION_DATA: _Kind.BINARY,
    Prop.SUBSCRIPTION_IDENTIFIER: _Kind.VARINT,
    Prop.SESSION_EXPIRY_INTERVAL: _Kind.U32,
    Prop.ASSIGNED_CLIENT_IDENTIFIER: _Kind.UTF8,
    Prop.SERVER_KEEP_ALIVE: _Kind.U16,
    Prop.AUTHENTICATION_METHOD: _Kind.UTF8,
    Prop.AUTHENTICATION_DATA: _Kind.BINARY,
    Prop.REQUEST_PROBLEM_INFORMATION: _Kind.BYTE,
    Prop.WILL_DELAY_INTERVAL: _Kind.U32,
    Prop.REQUEST_RESPONSE_INFORMATION: _Kind.BYTE,
    Prop.RESPONSE_INFORMATION: _Kind.UTF8,
    Prop.SERVER_REFERENCE: _Kind.UTF8,
    Prop.REASON_STRING: _Kind.UTF8,
    Prop.RECEIVE_MAXIMUM: _Kind.U16,
    Prop.TOPIC_ALIAS_MAXIMUM: _Kind.U16,
    Prop.TOPIC_ALIAS: _Kind.U16,
    Prop.MAXIMUM_QOS: _Kind.BYTE,
    Prop.RETAIN_AVAILABLE: _Kind.BYTE,
    Prop.USER_PROPERTY: _Kind.PAIR,
    Prop.MAXIMUM_PACKET_SIZE: _Kind.U32,
    Prop.WILDCARD_SUBSCRIPTION_AVAILABLE: _Kind.BYTE,
    Prop.SUBSCRIPTION_IDENTIFIER_AVAILABLE: _Kind.BYTE,
    Prop.SHARED_SUBSCRIPTION_AVAILABLE: _Kind.BYTE,
}
_REPEATABLE = frozenset({Prop.USER_PROPERTY, Prop.SUBSCRIPTION_IDENTIFIER})

PropertyValue = int | str | bytes | list[int] | list[tuple[str, str]]
Properties = dict[Prop, PropertyValue]

MALFORMED = Reason.MALFORMED_PACKET


def encode_varint(value: int) -> bytes:
    """The variable byte integer of remaining lengths and property sections (max 268,435,455)."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def decode_varint(data: bytes, pos: int) -> tuple[int, int]:
    """``(value, position after it)``; :class:`ProtocolError` if longer than four bytes."""
    value = 0
    for shift in (0, 7, 14, 21):
        if pos >= len(data):
            raise ProtocolError(MALFORMED, "truncated variable byte integer")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
    raise ProtocolError(MALFORMED, "variable byte integer longer than four bytes")


def encode_string(text: str) -> bytes:
    return encode_binary(text.encode())


def encode_binary(data: bytes) -> bytes:
    return len(data).to_bytes(2, "big") + data


def decode_binary(data: bytes, pos: int) -> tuple[bytes, int]:
    if pos + 2 > len(data):
        raise ProtocolError(MALFORMED, "truncated length prefix")
    end = pos + 2 + ((data[pos] << 8) | data[pos + 1])
    if end > len(data):
        raise ProtocolError(MALFORMED, "truncated string or binary field")
    return data[pos + 2 : end], end


def decode_string(data: bytes, pos: int) -> tuple[str, int]:
    """A UTF-8 string field; the spec forbids U+0000 in every one of them."""
    raw, pos = decode_binary(data, pos)
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        raise ProtocolError(MALFORMED, "string is not valid UTF-8") from None
    if "\x00" in text:
        raise ProtocolError(MALFORMED, "string contains U+0000")
    return text, pos


def decode_properties(data: bytes, pos: int) -> tuple[Properties, int]:
    """The property section at ``pos``: ``(properties, position after the section)``."""
    length, pos = decode_varint(data, pos)
    end = pos + length
    if end > len(data):
        raise ProtocolError(MALFORMED, "property section runs past the packet")
    section = data[pos:end]
    props: Properties = {}
    at = 0
    while at < len(section):
        ident, at = decode_varint(section, at)
        try:
            prop = Prop(ident)
        except ValueError:
            raise ProtocolError(MALFORMED, f"unknown property 0x{ident:02x}") from None
        value, at = _decode_value(_KINDS[prop], section, at)
        if prop in _REPEATABLE:
            existing = props.setdefault(prop, [])
            assert isinstance(existing, list)
            existing.append(value)  # type: ignore[arg-type]
        elif prop in props:
            raise ProtocolError(Reason.PROTOCOL_ERROR, f"property {prop.name} given twice")
        else:
            props[prop] = value  # type: ignore[assignment]
    return props, end


def _decode_value(
    kind: _Kind, data: bytes, pos: int
) -> tuple[int | str | bytes | tuple[str, str], int]:
    if kind is _Kind.UTF8:
        return decode_string(data, pos)
    if kind is _Kind.BINARY:
        return decode_binary(data, pos)
    if kind is _Kind.VARINT:
        return decode_varint(data, pos)
    if kind is _Kind.PAIR:
        key, pos = decode_string(data, pos)
        value, pos = decode_string(data, pos)
        return (key, value), pos
    end = pos + (1 if kind is _Kind.BYTE else int(kind))
    if end > len(data):
        raise ProtocolError(MALFORMED, "truncated property value")
    return int.from_bytes(data[pos:end], "big"), end


def encode_properties(props: Properties) -> bytes:
    """A property section, length prefix included; an empty dict gives the single byte 0."""
    body = bytearray()
    for prop, value in props.items():
        values = value if prop in _REPEATABLE and isinstance(value, list) else [value]
        for item in values:
            body += encode_varint(prop)
            body += _encode_value(_KINDS[prop], item)
    return encode_varint(len(body)) + bytes(body)


def _encode_value(kind: _Kind, value: object) -> bytes:
    if kind is _Kind.UTF8 and isinstance(value, str):
        return encode_string(value)
    if kind is _Kind.BINARY and isinstance(value, bytes):
        return encode_binary(value)
    if kind is _Kind.VARINT and isinstance(value, int):
        return encode_varint(value)
    if kind is _Kind.PAIR and isinstance(value, tuple):
        return encode_string(value[0]) + encode_string(value[1])
    if isinstance(value, int):
        if kind is _Kind.BYTE:
            return struct.pack("!B", value)
        return value.to_bytes(int(kind), "big")
    raise TypeError(f"property value {value!r} does not fit {kind.name}")
