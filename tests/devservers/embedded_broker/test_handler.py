"""The broker's answers to one client's packets, as Mosquitto 2.0 gives them to MarsY (with
MarsY's ``use_username_as_clientid``: the client id is the login)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from devservers.embedded.broker.auth import Acl, PasswordFile
from devservers.embedded.broker.decoding import parse
from devservers.embedded.broker.errors import ProtocolError, Reason
from devservers.embedded.broker.handler import Broker, ClientHandler
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
    SubscriptionOptions,
    Unsuback,
    Unsubscribe,
    Will,
)
from devservers.embedded.broker.properties import Prop
from devservers.embedded.broker.router import Router
from devservers.embedded.broker.sessions import Delivery, Message, Session
from marsy.brokerconf import acl_text, password_file_text

PASSWORDS = {
    "rocket": "r",
    "satellite": "sat",
    "suit": "s",
    "observer": "o",
    "observer.late": "ol",
    "command": "c",
    "telemetry": "t",
}
CREDENTIALS = password_file_text(PASSWORDS.items())
WEEK = 7 * 24 * 3600


class Wire:
    peer = "127.0.0.1:1"

    def __init__(self) -> None:
        self.data = bytearray()
        self.closed = False

    def send(self, data: bytes) -> None:
        self.data += data

    def close(self) -> None:
        self.closed = True

    def take(self) -> list[Packet]:
        parsed = parse(bytes(self.data), 1 << 20)
        assert parsed.error is None and not parsed.rest
        self.data.clear()
        return parsed.packets


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def broker() -> Broker:
    return Broker(Router(Acl.parse(acl_text(logins=PASSWORDS))), PasswordFile.parse(CREDENTIALS))


@pytest.fixture
def clock() -> Clock:
    return Clock()


Connector = Callable[..., tuple[ClientHandler, Wire]]


@pytest.fixture
def connect(broker: Broker, clock: Clock) -> Connector:
    def make(
        user: str,
        client_id: str | None = None,
        *,
        clean: bool = True,
        expiry: int = 0,
        will: Will | None = None,
        password: str | None = None,
        receive_maximum: int | None = None,
    ) -> tuple[ClientHandler, Wire]:
        wire = Wire()
        handler = ClientHandler(broker, wire, clock)
        props = {Prop.SESSION_EXPIRY_INTERVAL: expiry} if expiry else {}
        if receive_maximum:
            props[Prop.RECEIVE_MAXIMUM] = receive_maximum
        secret = (password or PASSWORDS[user]).encode()
        asked = user if client_id is None else client_id
        handler.handle(Connect(5, asked, clean, 30, user, secret, will, props))  # type: ignore[arg-type]
        return handler, wire

    return make


def subscribe(handler: ClientHandler, wire: Wire, *filters: str, qos: int = 1) -> None:
    subs = tuple((f, SubscriptionOptions(qos)) for f in filters)
    handler.handle(Subscribe(1, subs))
    suback = next(p for p in wire.take() if not isinstance(p, Connack))
    assert isinstance(suback, Suback) and suback.reasons == (min(qos, 1),) * len(filters)


def published(wire: Wire) -> list[tuple[str, bytes, int, bool]]:
    return [(p.topic, p.payload, p.qos, p.retain) for p in wire.take() if isinstance(p, Publish)]


def test_a_login_with_the_wrong_password_is_refused(connect: Connector, broker: Broker) -> None:
    handler, wire = connect("rocket", password="guess")
    assert wire.take() == [Connack(False, Reason.NOT_AUTHORIZED)]
    assert wire.closed and handler.session is None
    assert "rocket" not in broker.router.sessions


def test_anonymous_clients_are_refused(broker: Broker) -> None:
    wire = Wire()
    ClientHandler(broker, wire).handle(Connect(5, "anon"))
    assert wire.take() == [Connack(False, Reason.NOT_AUTHORIZED)]
    assert wire.closed


def test_mqtt_3_clients_are_told_the_version_is_unacceptable(broker: Broker) -> None:
    wire = Wire()
    ClientHandler(broker, wire).handle(Connect(level=4))
    assert bytes(wire.data) == b"\x20\x02\x00\x01"
    assert wire.closed


def test_connack_advertises_the_limits(connect: Connector) -> None:
    _, wire = connect("rocket")
    [connack] = wire.take()
    assert isinstance(connack, Connack) and connack.reason == 0
    assert connack.properties[Prop.MAXIMUM_PACKET_SIZE] == 131_072
    assert connack.properties[Prop.MAXIMUM_QOS] == 1


def test_only_connect_may_come_first(broker: Broker) -> None:
    with pytest.raises(ProtocolError):
        ClientHandler(broker, Wire()).handle(Pingreq())


def test_a_denied_publish_gets_not_authorized_and_goes_nowhere(connect: Connector) -> None:
    observer, seen = connect("observer")
    subscribe(observer, seen, "#")
    rocket, wire = connect("rocket")
    wire.take()
    rocket.handle(Publish("t/vitals/suit", b"{}", qos=1, packet_id=5))
    assert wire.take() == [Puback(5, Reason.NOT_AUTHORIZED)]
    rocket.handle(Publish("t/telemetry/rocket", b"ok", qos=1, packet_id=6))
    assert wire.take() == [Puback(6)]
    assert published(seen) == [("t/telemetry/rocket", b"ok", 1, False)]


def test_a_publish_nobody_reads_is_acked_with_no_matching_subscribers(
    connect: Connector,
) -> None:
    rocket, wire = connect("rocket")
    wire.take()
    rocket.handle(Publish("t/telemetry/rocket", b"x", qos=1, packet_id=1))
    assert wire.take() == [Puback(1, Reason.NO_MATCHING_SUBSCRIBERS)]


def test_the_read_acl_applies_per_message(connect: Connector) -> None:
    rocket, seen = connect("rocket")
    subscribe(rocket, seen, "t/command/+")
    command, _ = connect("command")
    command.handle(Publish("t/command/suit", b"suit", qos=1, packet_id=1))
    command.handle(Publish("t/command/rocket", b"rocket", qos=1, packet_id=2))
    assert published(seen) == [("t/command/rocket", b"rocket", 1, False)]


def test_overlapping_subscriptions_give_one_copy_at_the_highest_qos(connect: Connector) -> None:
    observer, seen = connect("observer")
    subscribe(observer, seen, "t/#", qos=0)
    subscribe(observer, seen, "t/telemetry/+", qos=1)
    rocket, _ = connect("rocket")
    rocket.handle(Publish("t/telemetry/rocket", b"x", qos=1, packet_id=1))
    assert published(seen) == [("t/telemetry/rocket", b"x", 1, False)]


def test_retained_messages_reach_later_subscribers_flagged(connect: Connector) -> None:
    rocket, _ = connect("rocket")
    rocket.handle(Publish("t/presence/rocket", b"online", qos=1, retain=True, packet_id=1))
    observer, seen = connect("observer")
    seen.take()
    observer.handle(Subscribe(1, (("t/presence/+", SubscriptionOptions(1)),)))
    suback, retained = seen.take()
    assert isinstance(suback, Suback)
    assert isinstance(retained, Publish) and retained.retain and retained.payload == b"online"
    rocket.handle(Publish("t/presence/rocket", b"again", qos=1, retain=True, packet_id=2))
    assert published(seen) == [("t/presence/rocket", b"again", 1, False)]
    rocket.handle(Publish("t/presence/rocket", b"", qos=1, retain=True, packet_id=3))
    late, wire = connect("observer.late")
    subscribe(late, wire, "t/presence/+")
    assert published(wire) == []


def test_the_will_goes_out_when_the_connection_drops(connect: Connector) -> None:
    observer, seen = connect("observer")
    subscribe(observer, seen, "t/presence/+")
    rocket, _ = connect("rocket", will=Will("t/presence/rocket", b"offline", 1, True))
    rocket.connection_lost()
    assert published(seen) == [("t/presence/rocket", b"offline", 1, False)]


def test_no_will_after_a_normal_disconnect(connect: Connector) -> None:
    observer, seen = connect("observer")
    subscribe(observer, seen, "t/presence/+")
    rocket, wire = connect("rocket", will=Will("t/presence/rocket", b"offline", 1, True))
    rocket.handle(Disconnect())
    rocket.connection_lost()
    assert wire.closed
    assert published(seen) == []


def test_a_second_connection_takes_the_session_over(connect: Connector, broker: Broker) -> None:
    observer, seen = connect("observer")
    subscribe(observer, seen, "t/presence/+")
    will = Will("t/presence/rocket", b"offline", 1, True)
    first, old = connect("rocket", expiry=WEEK, will=will)
    old.take()
    second, new = connect("rocket", clean=False, expiry=WEEK)
    assert old.take() == [Disconnect(Reason.SESSION_TAKEN_OVER)] and old.closed
    [connack] = new.take()
    assert isinstance(connack, Connack) and connack.session_present
    assert published(seen) == [("t/presence/rocket", b"offline", 1, False)]
    assert broker.connected["rocket"] is second
    first.connection_lost()  # the old socket closing later changes nothing
    assert broker.connected["rocket"] is second


def test_a_persistent_session_keeps_what_arrived_while_away(
    connect: Connector, broker: Broker
) -> None:
    consumer, wire = connect("observer", clean=False, expiry=WEEK)
    subscribe(consumer, wire, "t/telemetry/+")
    rocket, _ = connect("rocket")
    rocket.handle(Publish("t/telemetry/rocket", b"1", qos=1, packet_id=1))
    [unacked] = wire.take()
    consumer.connection_lost()
    rocket.handle(Publish("t/telemetry/rocket", b"2", qos=1, packet_id=2))
    rocket.handle(Publish("t/telemetry/rocket", b"3", qos=0))
    back, again = connect("observer", clean=False, expiry=WEEK)
    connack, *rest = again.take()
    assert isinstance(connack, Connack) and connack.session_present
    assert [(p.payload, p.dup) for p in rest if isinstance(p, Publish)] == [
        (b"1", True),
        (b"2", False),
    ]
    assert isinstance(unacked, Publish)
    back.handle(Puback(unacked.packet_id))
    assert len(broker.router.sessions["observer"].inflight) == 1


def test_a_clean_start_discards_the_old_session(connect: Connector) -> None:
    consumer, wire = connect("observer", clean=False, expiry=WEEK)
    subscribe(consumer, wire, "t/#")
    consumer.connection_lost()
    _, again = connect("observer", clean=True, expiry=WEEK)
    [connack] = again.take()
    assert isinstance(connack, Connack) and not connack.session_present


def test_a_session_without_expiry_ends_with_its_connection(
    connect: Connector, broker: Broker
) -> None:
    handler, _ = connect("observer")
    handler.connection_lost()
    assert "observer" not in broker.router.sessions


def test_sessions_expire_after_their_interval(
    connect: Connector, broker: Broker, clock: Clock
) -> None:
    handler, _ = connect("observer", clean=False, expiry=60)
    handler.connection_lost()
    clock.now += 59
    assert broker.router.expire(clock.now) == []
    clock.now += 1
    assert broker.router.expire(clock.now) == ["observer"]


def test_receive_maximum_holds_back_deliveries(connect: Connector) -> None:
    consumer, wire = connect("observer", receive_maximum=2)
    subscribe(consumer, wire, "t/#")
    rocket, _ = connect("rocket")
    for n in range(4):
        rocket.handle(Publish("t/telemetry/rocket", str(n).encode(), qos=1, packet_id=n + 1))
    first = wire.take()
    assert [p.payload for p in first if isinstance(p, Publish)] == [b"0", b"1"]
    assert isinstance(first[0], Publish)
    consumer.handle(Puback(first[0].packet_id))
    assert [p.payload for p in wire.take() if isinstance(p, Publish)] == [b"2"]


def test_unsubscribe_ping_and_qos2(connect: Connector) -> None:
    handler, wire = connect("observer")
    subscribe(handler, wire, "t/#")
    handler.handle(Unsubscribe(2, ("t/#", "never/subscribed")))
    handler.handle(Pingreq())
    assert wire.take() == [Unsuback(2, (0, Reason.NO_SUBSCRIPTION_EXISTED)), Pingresp()]
    handler.handle(Subscribe(3, (("t/#", SubscriptionOptions(2)),)))
    assert wire.take() == [Suback(3, (1,))]
    with pytest.raises(ProtocolError) as refused:
        handler.handle(Publish("t/logs/x", b"", qos=2, packet_id=9))
    assert refused.value.reason is Reason.QOS_NOT_SUPPORTED


def test_a_protocol_error_disconnects_with_its_reason(connect: Connector) -> None:
    handler, wire = connect("rocket", will=Will("t/presence/rocket", b"offline", 1, True))
    wire.take()
    handler.fail(ProtocolError(Reason.MALFORMED_PACKET, "test"))
    assert wire.take() == [Disconnect(Reason.MALFORMED_PACKET)]
    assert wire.closed and handler.closed


# --- the client id is the login ------------------------------------------------------------


def test_the_client_id_is_the_login_whatever_the_client_asks(
    connect: Connector, broker: Broker
) -> None:
    rocket, wire = connect("rocket", "marsy-telemetry")
    [connack] = wire.take()
    assert isinstance(connack, Connack) and connack.reason == 0
    assert rocket.client_id == "rocket" and set(broker.connected) == {"rocket"}
    assert Prop.ASSIGNED_CLIENT_IDENTIFIER not in connack.properties
    _, unnamed = connect("suit", "")
    [connack] = unnamed.take()
    assert isinstance(connack, Connack)
    assert connack.properties[Prop.ASSIGNED_CLIENT_IDENTIFIER] == "suit"


def test_an_impostor_asking_for_the_ingests_client_id_takes_nothing(
    connect: Connector, broker: Broker
) -> None:
    ingest, wire = connect("telemetry", clean=False, expiry=WEEK)
    subscribe(ingest, wire, "t/telemetry/+")
    ingest.handle(Disconnect())
    rocket, _ = connect("rocket")
    for n in range(20):
        rocket.handle(Publish("t/telemetry/rocket", bytes([n]), qos=1, packet_id=n + 1))

    impostor, seen = connect("satellite", "telemetry", clean=False, expiry=WEEK)
    [connack] = seen.take()
    assert isinstance(connack, Connack) and not connack.session_present
    subscribe(impostor, seen, "t/#")
    rocket.handle(Publish("t/telemetry/rocket", b"live", qos=1, packet_id=21))
    assert published(seen) == []
    assert len(broker.router.sessions["telemetry"].queue) == 21

    back, again = connect("telemetry", clean=False, expiry=WEEK)
    connack, *rest = again.take()
    assert isinstance(connack, Connack) and connack.session_present
    assert [p.payload for p in rest if isinstance(p, Publish)] == [
        *(bytes([n]) for n in range(20)),
        b"live",
    ]
    connect("satellite", "telemetry", clean=False, expiry=WEEK)  # once more, ingest connected
    assert not back.closed and broker.connected["telemetry"] is back


def test_a_session_saved_under_another_login_is_given_to_nobody(
    connect: Connector, broker: Broker
) -> None:
    stale = Session("telemetry", "satellite", expiry=WEEK)
    broker.router.add(stale)
    stale.detach(now=1.0)
    stale.queue.append(Delivery(Message.make("t/telemetry/rocket", b"old", 1), 1, False))
    _, wire = connect("telemetry", clean=False, expiry=WEEK)
    [connack] = wire.take()
    assert isinstance(connack, Connack) and not connack.session_present
    assert broker.router.sessions["telemetry"] is not stale


def test_after_a_reload_nothing_goes_where_the_acl_no_longer_lets_it(
    connect: Connector, broker: Broker
) -> None:
    observer, wire = connect("observer", clean=False, expiry=WEEK)
    subscribe(observer, wire, "t/telemetry/+")
    rocket, _ = connect("rocket")
    rocket.handle(Publish("t/telemetry/rocket", b"sent", qos=1, packet_id=1))
    rocket.handle(Publish("t/presence/rocket", b"online", qos=1, retain=True, packet_id=2))
    assert [p[1] for p in published(wire)] == [b"sent"]  # in flight, never acknowledged
    observer.connection_lost()
    rocket.handle(Publish("t/telemetry/rocket", b"queued", qos=1, packet_id=3))

    narrower = acl_text(logins=[name for name in PASSWORDS if name != "observer"])
    narrower += "user observer\ntopic read t/logs/#\n"
    broker.reload(PasswordFile.parse(CREDENTIALS), Acl.parse(narrower))
    back, again = connect("observer", clean=False, expiry=WEEK)
    subscribe(back, again, "t/presence/+")  # the retained "online" is not offered either
    assert published(again) == []
    assert broker.router.sessions["observer"].denied == 2  # the in-flight one and the queued


def test_a_reload_disconnects_a_login_no_longer_in_the_password_file(
    connect: Connector, broker: Broker
) -> None:
    rocket, wire = connect("rocket")
    suit, _ = connect("suit")
    wire.take()
    fewer = {name: pw for name, pw in PASSWORDS.items() if name != "rocket"}
    broker.reload(PasswordFile.parse(password_file_text(fewer.items())), broker.router.acl)
    assert wire.take() == [Disconnect(Reason.NOT_AUTHORIZED)] and rocket.closed
    assert not suit.closed
