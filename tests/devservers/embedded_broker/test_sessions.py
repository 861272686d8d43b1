"""One session's QoS-1 flow: Receive Maximum, order, resends with DUP, packet ids, and the read
check it asks before every send."""

from __future__ import annotations

from devservers.embedded.broker.decoding import parse
from devservers.embedded.broker.packets import Publish
from devservers.embedded.broker.sessions import Delivery, Message
from devservers.embedded.broker.sessions import Session as BareSession


class Wire:
    def __init__(self) -> None:
        self.data = bytearray()

    def send(self, data: bytes) -> None:
        self.data += data

    def take(self) -> list[Publish]:
        packets = parse(bytes(self.data), 1 << 20).packets
        self.data.clear()
        assert all(isinstance(p, Publish) for p in packets)
        return packets  # type: ignore[return-value]


def message(n: int, qos: int = 1, topic: str = "t/x") -> Delivery:
    return Delivery(Message.make(topic, str(n).encode(), qos), qos, False)


def Session(client_id: str, username: str, expiry: int = 0) -> BareSession:  # noqa: N802
    """A session that may read everything, as the router would let it here."""
    session = BareSession(client_id, username, expiry)
    session.may_read = lambda topic: True
    return session


def test_at_most_receive_maximum_in_flight_and_the_rest_in_order() -> None:
    session, wire = Session("c", "u", 60), Wire()
    session.attach(wire, receive_maximum=2, max_packet_size=0)
    for n in range(5):
        session.deliver(message(n))
    first = wire.take()
    assert [p.payload for p in first] == [b"0", b"1"]
    assert session.acknowledge(first[0].packet_id)
    assert [p.payload for p in wire.take()] == [b"2"]
    assert not session.acknowledge(999)
    assert wire.take() == []


def test_a_returning_client_gets_unacked_ones_again_with_dup_then_the_queue() -> None:
    session, wire = Session("c", "u", 60), Wire()
    session.attach(wire, receive_maximum=10, max_packet_size=0)
    session.deliver(message(0))
    session.deliver(message(1))
    sent = wire.take()
    session.detach(now=100.0)
    session.deliver(message(2))
    session.deliver(message(3, qos=0))  # QoS 0 is not kept for the absent
    again = Wire()
    session.attach(again, receive_maximum=10, max_packet_size=0)
    resent = again.take()
    assert [(p.payload, p.dup, p.packet_id) for p in resent] == [
        (b"0", True, sent[0].packet_id),
        (b"1", True, sent[1].packet_id),
        (b"2", False, sent[1].packet_id + 1),
    ]


def test_packet_ids_wrap_and_skip_those_in_use() -> None:
    session, wire = Session("c", "u", 60), Wire()
    session.attach(wire, receive_maximum=10, max_packet_size=0)
    session.next_id = 65535
    session.deliver(message(0))
    session.deliver(message(1))
    assert [p.packet_id for p in wire.take()] == [65535, 1]
    session.next_id = 65535
    session.deliver(message(2))
    assert [p.packet_id for p in wire.take()] == [2]


def test_messages_larger_than_the_client_takes_are_dropped() -> None:
    session, wire = Session("c", "u", 60), Wire()
    session.attach(wire, receive_maximum=10, max_packet_size=20)
    session.deliver(Delivery(Message.make("t/x", b"x" * 50, 1), 1, False))
    session.deliver(message(1))
    assert [p.payload for p in wire.take()] == [b"1"]
    assert session.dropped == 1


def test_expiry_counts_from_the_disconnect() -> None:
    session = Session("c", "u", expiry=10)
    assert not session.expired(now=1e9)  # connected sessions never expire
    session.detach(now=100.0)
    assert not session.expired(now=109.0)
    assert session.expired(now=110.0)


def test_a_session_outside_a_router_sends_nothing() -> None:
    session, wire = BareSession("c", "u", 60), Wire()
    session.attach(wire, receive_maximum=10, max_packet_size=0)
    session.deliver(message(1))
    assert wire.take() == [] and session.denied == 1


def test_what_the_login_may_no_longer_read_is_never_sent() -> None:
    readable = {"t/x", "t/y"}
    session, wire = Session("c", "u", 60), Wire()
    session.may_read = lambda topic: topic in readable
    session.attach(wire, receive_maximum=10, max_packet_size=0)
    session.deliver(message(1, topic="t/x"))
    assert [p.payload for p in wire.take()] == [b"1"]  # sent, not acknowledged
    session.detach(now=1.0)
    session.deliver(message(2, topic="t/x"))  # queued while away
    session.deliver(message(3, topic="t/y"))
    readable.discard("t/x")  # the ACL changed meanwhile
    session.attach(wire, receive_maximum=10, max_packet_size=0)
    assert [p.payload for p in wire.take()] == [b"3"]
    assert session.denied == 2 and not session.queue
    assert [d.message.payload for d in session.inflight.values()] == [b"3"]
