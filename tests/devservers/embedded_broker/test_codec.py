"""MQTT 5 packets to bytes and back, checked against byte literals from the specification."""

from __future__ import annotations

import pytest

from devservers.embedded.broker.decoding import parse
from devservers.embedded.broker.encoding import encode
from devservers.embedded.broker.errors import Reason
from devservers.embedded.broker.packets import (
    Connack,
    Connect,
    Disconnect,
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
    decode_properties,
    decode_varint,
    encode_properties,
    encode_varint,
)

LIMIT = 131_072

CONNECT = (
    b"\x10\x23"  # CONNECT, 35 bytes follow
    b"\x00\x04MQTT\x05"  # protocol name and level 5
    b"\xc0\x00\x1e"  # user name + password, clean start 0; keepalive 30
    b"\x08\x11\x00\x09\x3a\x80\x21\x27\x10"  # session expiry 604800, receive maximum 10000
    b"\x00\x02c1"  # client id
    b"\x00\x06rocket"
    b"\x00\x02pw"
)
CONNECT_WITH_WILL = (
    b"\x10\x31"
    b"\x00\x04MQTT\x05\xee\x00\x3c\x00"  # user, password, will retain, will QoS 1, will, clean
    b"\x00\x02c2"
    b"\x00"  # will properties
    b"\x00\x0ar/presence"  # will topic
    b"\x00\x07offline"  # will payload
    b"\x00\x06rocket"
    b"\x00\x02pw"
)

ROUND_TRIPS = [
    (
        CONNECT,
        Connect(
            level=5,
            client_id="c1",
            clean_start=False,
            keepalive=30,
            username="rocket",
            password=b"pw",
            properties={Prop.SESSION_EXPIRY_INTERVAL: 604_800, Prop.RECEIVE_MAXIMUM: 10_000},
        ),
    ),
    (
        CONNECT_WITH_WILL,
        Connect(
            level=5,
            client_id="c2",
            keepalive=60,
            username="rocket",
            password=b"pw",
            will=Will("r/presence", b"offline", qos=1, retain=True),
        ),
    ),
    (
        b"\x20\x08\x01\x00\x05\x21\x4e\x20\x24\x01",
        Connack(True, 0, {Prop.RECEIVE_MAXIMUM: 20_000, Prop.MAXIMUM_QOS: 1}),
    ),
    (b"\x20\x03\x00\x87\x00", Connack(False, Reason.NOT_AUTHORIZED)),
    (b"\x30\x08\x00\x03a/b\x00hi", Publish("a/b", b"hi")),
    (
        b"\x3b\x0a\x00\x03a/b\x00\x07\x00hi",
        Publish("a/b", b"hi", qos=1, retain=True, dup=True, packet_id=7),
    ),
    (
        b"\x32\x0f\x00\x03a/b\x01\x00\x05\x03\x00\x02abhi",  # content type "ab"
        Publish("a/b", b"hi", qos=1, packet_id=256, properties=b"\x05\x03\x00\x02ab"),
    ),
    (b"\x40\x02\x00\x07", Puback(7)),
    (b"\x40\x03\x00\x07\x87", Puback(7, Reason.NOT_AUTHORIZED)),
    (
        b"\x82\x0d\x00\x01\x00\x00\x03a/+\x01\x00\x01#\x2c",
        Subscribe(
            1,
            (
                ("a/+", SubscriptionOptions(qos=1)),
                (
                    "#",
                    SubscriptionOptions(
                        0, no_local=True, retain_as_published=True, retain_handling=2
                    ),
                ),
            ),
        ),
    ),
    (b"\x90\x05\x00\x01\x00\x01\x9e", Suback(1, (1, Reason.SHARED_SUBSCRIPTIONS_NOT_SUPPORTED))),
    (b"\xa2\x08\x00\x02\x00\x00\x03a/+", Unsubscribe(2, ("a/+",))),
    (b"\xb0\x04\x00\x02\x00\x11", Unsuback(2, (Reason.NO_SUBSCRIPTION_EXISTED,))),
    (b"\xc0\x00", Pingreq()),
    (b"\xd0\x00", Pingresp()),
    (b"\xe0\x00", Disconnect()),
    (b"\xe0\x01\x8e", Disconnect(Reason.SESSION_TAKEN_OVER)),
    (
        b"\xe0\x07\x00\x05\x11\x00\x00\x00\x00",
        Disconnect(0, {Prop.SESSION_EXPIRY_INTERVAL: 0}),
    ),
]


@pytest.mark.parametrize(
    ("data", "packet"), ROUND_TRIPS, ids=[type(p).__name__ for _, p in ROUND_TRIPS]
)
def test_packets_round_trip(data: bytes, packet: object) -> None:
    assert parse(data, LIMIT) == ([packet], b"", None)
    assert encode(packet) == data  # type: ignore[arg-type]


def test_a_buffer_splits_into_packets_and_an_incomplete_rest() -> None:
    stream = b"\xc0\x00" + b"\x40\x02\x00\x07" + b"\x30\x08\x00\x03a/"
    packets, rest, error = parse(stream, LIMIT)
    assert packets == [Pingreq(), Puback(7)]
    assert rest == b"\x30\x08\x00\x03a/"
    assert error is None
    assert parse(rest + b"b\x00hi", LIMIT).packets == [Publish("a/b", b"hi")]


def test_a_partial_remaining_length_waits_for_more() -> None:
    assert parse(b"\x30\x80", LIMIT) == ([], b"\x30\x80", None)


def test_the_remaining_length_is_a_variable_byte_integer() -> None:
    for value, data in [
        (0, b"\x00"),
        (127, b"\x7f"),
        (128, b"\x80\x01"),
        (16_384, b"\x80\x80\x01"),
        (268_435_455, b"\xff\xff\xff\x7f"),
    ]:
        assert encode_varint(value) == data
        assert decode_varint(data, 0) == (value, len(data))


def test_packets_before_garbage_are_kept_and_the_error_named() -> None:
    packets, rest, error = parse(b"\xc0\x00" + b"\x00\x00", LIMIT)
    assert packets == [Pingreq()]
    assert rest == b""
    assert error is not None and error.reason is Reason.MALFORMED_PACKET


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x30\xff\xff\xff\xff\x01", Reason.MALFORMED_PACKET),  # five-byte remaining length
        (b"\x36\x05\x00\x01a\x00\x01", Reason.MALFORMED_PACKET),  # QoS 3
        (b"\x38\x04\x00\x01a\x00", Reason.MALFORMED_PACKET),  # DUP on QoS 0
        (b"\x32\x05\x00\x01a\x00\x00", Reason.MALFORMED_PACKET),  # packet id 0
        (b"\x30\x05\x00\x01\xff\x00x", Reason.MALFORMED_PACKET),  # topic not UTF-8
        (b"\x30\x07\x00\x01a\x03\x23\x00\x01", Reason.TOPIC_ALIAS_INVALID),
        (b"\x80\x06\x00\x01\x00\x00\x01a", Reason.MALFORMED_PACKET),  # SUBSCRIBE flags 0
        (b"\x82\x03\x00\x01\x00", Reason.PROTOCOL_ERROR),  # SUBSCRIBE without filter
        (b"\x82\x07\x00\x01\x00\x00\x01a\xc1", Reason.MALFORMED_PACKET),  # reserved option bits
        (b"\x62\x02\x00\x01", Reason.PROTOCOL_ERROR),  # PUBREL: QoS 2 is not served
        (b"\xc0\x01\x00", Reason.MALFORMED_PACKET),  # PINGREQ with a body
        (b"\xe0\x04\x00\x02\x99\x00", Reason.MALFORMED_PACKET),  # unknown property
    ],
)
def test_malformed_packets_are_errors(data: bytes, reason: Reason) -> None:
    packets, _, error = parse(data, LIMIT)
    assert packets == []
    assert error is not None and error.reason is reason


def test_a_packet_over_the_limit_is_refused_before_its_body_arrives() -> None:
    header = b"\x30" + encode_varint(LIMIT)  # the body is still on its way
    _, _, error = parse(header, LIMIT)
    assert error is not None and error.reason is Reason.PACKET_TOO_LARGE


def test_other_protocol_levels_are_reported_not_decoded() -> None:
    v311 = b"\x10\x10\x00\x04MQTT\x04\x02\x00\x3c\x00\x04abcd"
    assert parse(v311, LIMIT).packets == [Connect(level=4)]


def test_properties_round_trip_with_repeats() -> None:
    props = {
        Prop.USER_PROPERTY: [("a", "1"), ("b", "2")],
        Prop.SUBSCRIPTION_IDENTIFIER: [300],
        Prop.CORRELATION_DATA: b"\x00\x01",
        Prop.MESSAGE_EXPIRY_INTERVAL: 60,
    }
    data = encode_properties(props)  # type: ignore[arg-type]
    assert decode_properties(data, 0) == (props, len(data))
