"""What the broker does with each packet of one connection, as Mosquitto 2.0 does it for MarsY.

- CONNECT: MQTT 5 only; user name and password required and checked (Mosquitto answers 0x87
  to every refused login); the client id is the user name, whatever the client sent (MarsY's
  ``use_username_as_clientid``), so a login can only ever reach its own session; a second
  connection of the same login takes that session over and the first gets DISCONNECT 0x8E;
  ``clean_start=False`` resumes a live session.
- PUBLISH: QoS 0 and 1 (the CONNACK says Maximum QoS 1); the write ACL is checked and a denied
  QoS-1 publish gets PUBACK 0x87, one nobody subscribed to PUBACK 0x10, as from Mosquitto.
- The will goes out on every end of a connection but a DISCONNECT with reason 0x00.

No sockets here: the server hands in decoded packets and a :class:`Connection` to write to.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from devservers.embedded.broker.auth import Acl, PasswordFile
from devservers.embedded.broker.encoding import encode
from devservers.embedded.broker.errors import ProtocolError, Reason
from devservers.embedded.broker.packets import (
    Connack,
    Connect,
    Disconnect,
    Packet,
    Pingreq,
    Puback,
    Publish,
    Suback,
    Subscribe,
    Unsuback,
    Unsubscribe,
    Will,
)
from devservers.embedded.broker.properties import Prop, Properties, encode_properties
from devservers.embedded.broker.router import Router
from devservers.embedded.broker.sessions import Delivery, Message, Session
from devservers.embedded.broker.topics import is_shared, valid_filter, valid_topic

logger = logging.getLogger(__name__)

_PINGRESP = b"\xd0\x00"
_V3_UNACCEPTABLE_PROTOCOL = b"\x20\x02\x00\x01"


class Connection(Protocol):
    """The network side of one client, provided by the server."""

    peer: str

    def send(self, data: bytes) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Limits:
    """What the broker advertises in CONNACK; the values of marsy.brokerconf's policy."""

    max_packet_size: int = 131_072
    receive_maximum: int = 20_000


class Broker:
    """The state every connection shares: sessions, logins and who is connected now."""

    def __init__(self, router: Router, passwords: PasswordFile, limits: Limits = Limits()) -> None:
        self.router = router
        self.passwords = passwords
        self.limits = limits
        self.connected: dict[str, ClientHandler] = {}
        self.protocol_errors = 0

    def reload(self, passwords: PasswordFile, acl: Acl) -> None:
        """New password file and ACL (SIGHUP): a connected login no longer in the password file
        is disconnected, as Mosquitto does, and every later message is checked by the new ACL."""
        self.passwords = passwords
        self.router.reload(acl)
        for login, handler in list(self.connected.items()):
            if login not in passwords.hashes:
                handler.kick(Reason.NOT_AUTHORIZED)

    def connack_properties(self) -> Properties:
        return {
            Prop.RECEIVE_MAXIMUM: self.limits.receive_maximum,
            Prop.MAXIMUM_QOS: 1,
            Prop.MAXIMUM_PACKET_SIZE: self.limits.max_packet_size,
            Prop.SUBSCRIPTION_IDENTIFIER_AVAILABLE: 0,
            Prop.SHARED_SUBSCRIPTION_AVAILABLE: 0,
        }


class ClientHandler:
    """One connection's MQTT state: before CONNECT, connected, closed."""

    def __init__(
        self, broker: Broker, conn: Connection, clock: Callable[[], float] = time.time
    ) -> None:
        """``clock`` is wall-clock seconds: session expiry must count across restarts."""
        self.broker = broker
        self.conn = conn
        self.clock = clock
        self.session: Session | None = None
        self.will: Will | None = None
        self.keepalive = 0
        self.closed = False
        self._connecting = False

    @property
    def client_id(self) -> str:
        return self.session.client_id if self.session else "<unknown>"

    # --- packets ----------------------------------------------------------------------------

    def handle(self, packet: Packet) -> None:
        """Act on one packet; :class:`ProtocolError` means the connection must end."""
        session = self.session
        if session is None:
            if not isinstance(packet, Connect) or self._connecting:
                raise ProtocolError(Reason.PROTOCOL_ERROR, "the first packet must be CONNECT")
            self._connect(packet)
        elif isinstance(packet, Publish):
            self._publish(session, packet)
        elif isinstance(packet, Puback):
            if session.acknowledge(packet.packet_id):
                self.broker.router.changes += 1
        elif isinstance(packet, Pingreq):
            self.conn.send(_PINGRESP)
        elif isinstance(packet, Subscribe):
            self._subscribe(session, packet)
        elif isinstance(packet, Unsubscribe):
            self._unsubscribe(session, packet)
        elif isinstance(packet, Disconnect):
            self._disconnect(session, packet)
        else:
            raise ProtocolError(Reason.PROTOCOL_ERROR, f"unexpected {type(packet).__name__}")

    def _connect(self, packet: Connect) -> None:
        self._connecting = True
        if packet.level != 5:
            logger.info(
                "Refused %s: protocol level %s, only 5 is served", self.conn.peer, packet.level
            )
            self.conn.send(_V3_UNACCEPTABLE_PROTOCOL)
            self._end()
            return
        props = packet.properties
        if Prop.AUTHENTICATION_METHOD in props:
            self._refuse(Reason.BAD_AUTHENTICATION_METHOD, "enhanced authentication")
            return
        if not self._login_ok(packet):
            self._refuse(Reason.NOT_AUTHORIZED, f"not authorised as {packet.username!r}")
            return
        if props.get(Prop.RECEIVE_MAXIMUM) == 0 or props.get(Prop.MAXIMUM_PACKET_SIZE) == 0:
            raise ProtocolError(Reason.PROTOCOL_ERROR, "Receive Maximum or Maximum Packet Size 0")
        if packet.will is not None and not valid_topic(packet.will.topic):
            raise ProtocolError(Reason.TOPIC_NAME_INVALID, f"will topic {packet.will.topic!r}")
        assert packet.username is not None  # _login_ok refused a CONNECT without one
        # The login is the client id: asking for another's takes nothing of theirs.
        assigned = not packet.client_id
        client_id = packet.username
        if packet.client_id and packet.client_id != client_id:
            logger.info(
                "Client %s asked for client id %r; given its login", client_id, packet.client_id
            )
        previous = self.broker.connected.get(client_id)
        if previous is not None:
            previous.kick(Reason.SESSION_TAKEN_OVER)
        session = self._take_session(client_id, packet)
        self.session = session
        self.will = packet.will
        self.keepalive = packet.keepalive
        self.broker.connected[client_id] = self
        present = session.disconnected_at is not None and not packet.clean_start
        connack = self.broker.connack_properties()
        if assigned:
            connack[Prop.ASSIGNED_CLIENT_IDENTIFIER] = client_id
        self.conn.send(encode(Connack(present, Reason.SUCCESS, connack)))
        logger.info(
            "New client connected from %s as %s (p5, c%d, k%d, u'%s').",
            self.conn.peer,
            client_id,
            packet.clean_start,
            packet.keepalive,
            packet.username,
        )
        receive_maximum = props.get(Prop.RECEIVE_MAXIMUM, 65535)
        max_packet_size = props.get(Prop.MAXIMUM_PACKET_SIZE, 0)
        assert isinstance(receive_maximum, int) and isinstance(max_packet_size, int)
        session.attach(self.conn, receive_maximum, max_packet_size)

    def _login_ok(self, packet: Connect) -> bool:
        if packet.username is None or packet.password is None:
            return False
        return self.broker.passwords.verify(packet.username, packet.password)

    def _take_session(self, client_id: str, packet: Connect) -> Session:
        """The stored session to resume, or a fresh one for a clean start or a stranger."""
        router = self.broker.router
        now = self.clock()
        session = router.sessions.get(client_id)
        if session is not None and (packet.clean_start or session.expired(now)):
            router.remove(client_id)
            session = None
        assert packet.username is not None
        if session is not None and session.username != packet.username:
            # Only a state saved before client ids were logins can hold such a session: its
            # messages were routed by another login's ACL, so nobody gets them.
            logger.warning("Dropped session %s of login %s", client_id, session.username)
            router.remove(client_id)
            session = None
        if session is None:
            session = Session(client_id, packet.username)
            session.disconnected_at = None
            router.add(session)
        expiry = packet.properties.get(Prop.SESSION_EXPIRY_INTERVAL, 0)
        assert isinstance(expiry, int)
        session.expiry = expiry
        return session

    def _publish(self, session: Session, packet: Publish) -> None:
        if packet.qos == 2:
            raise ProtocolError(Reason.QOS_NOT_SUPPORTED, "QoS 2 is not served, Maximum QoS is 1")
        topic = packet.topic
        if not valid_topic(topic):
            raise ProtocolError(Reason.PROTOCOL_ERROR, f"PUBLISH to {topic!r}")
        router = self.broker.router
        if not router.may_write(session, topic):
            logger.debug("Denied PUBLISH from %s to %s", session.client_id, topic)
            if packet.qos:
                self.conn.send(encode(Puback(packet.packet_id, Reason.NOT_AUTHORIZED)))
            return
        message = Message.make(topic, packet.payload, packet.qos, packet.retain, packet.properties)
        if packet.retain:
            router.retain(message)
        delivered = router.route(message, session.client_id)
        if packet.qos:
            packet_id = packet.packet_id.to_bytes(2)
            self.conn.send(
                b"\x40\x02" + packet_id if delivered else b"\x40\x03" + packet_id + b"\x10"
            )

    def _subscribe(self, session: Session, packet: Subscribe) -> None:
        if Prop.SUBSCRIPTION_IDENTIFIER in packet.properties:
            raise ProtocolError(Reason.SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED, "in SUBSCRIBE")
        router = self.broker.router
        reasons: list[int] = []
        retained: list[Delivery] = []
        for topic_filter, options in packet.subscriptions:
            if is_shared(topic_filter):
                reasons.append(Reason.SHARED_SUBSCRIPTIONS_NOT_SUPPORTED)
                continue
            if not valid_filter(topic_filter):
                raise ProtocolError(Reason.MALFORMED_PACKET, f"topic filter {topic_filter!r}")
            qos = min(options.qos, 1)
            new = router.subscribe(session, topic_filter, replace(options, qos=qos))
            reasons.append(qos)
            if options.retain_handling == 0 or (options.retain_handling == 1 and new):
                retained += router.retained_for(session, topic_filter, qos)
        self.conn.send(encode(Suback(packet.packet_id, tuple(reasons))))
        for delivery in retained:
            session.deliver(delivery)

    def _unsubscribe(self, session: Session, packet: Unsubscribe) -> None:
        router = self.broker.router
        reasons = tuple(
            Reason.SUCCESS if router.unsubscribe(session, f) else Reason.NO_SUBSCRIPTION_EXISTED
            for f in packet.filters
        )
        self.conn.send(encode(Unsuback(packet.packet_id, reasons)))

    def _disconnect(self, session: Session, packet: Disconnect) -> None:
        expiry = packet.properties.get(Prop.SESSION_EXPIRY_INTERVAL)
        if isinstance(expiry, int):
            if session.expiry == 0 and expiry:
                raise ProtocolError(Reason.PROTOCOL_ERROR, "session expiry set after 0")
            session.expiry = expiry
        if packet.reason == Reason.SUCCESS:
            self.will = None  # a normal disconnect: the will is not sent
        logger.info("Client %s disconnected.", session.client_id)
        self._end()

    # --- endings ----------------------------------------------------------------------------

    def fail(self, error: ProtocolError) -> None:
        """End the connection for a protocol error, telling the client why if it can listen."""
        self.broker.protocol_errors += 1
        logger.warning(
            "Client %s from %s disconnected: %s (protocol errors so far: %d)",
            self.client_id,
            self.conn.peer,
            error,
            self.broker.protocol_errors,
        )
        if self.closed:
            return
        if self.session is not None:
            self.conn.send(encode(Disconnect(error.reason)))
        elif self._connecting:
            self.conn.send(encode(Connack(False, error.reason)))
        self._end()

    def kick(self, reason: Reason) -> None:
        """End the connection from the broker's side (takeover, keepalive timeout)."""
        if self.closed:
            return
        logger.info("Client %s disconnected: %s.", self.client_id, reason.name.lower())
        self.conn.send(encode(Disconnect(reason)))
        self._end()

    def connection_lost(self) -> None:
        """The socket is gone; unless the client said goodbye, its will goes out."""
        if not self.closed:
            if self.session is not None:
                logger.info("Client %s closed its connection.", self.client_id)
            self._end()

    def drop(self) -> None:
        """End the connection without a word, as Mosquitto does when it stops."""
        if not self.closed:
            self._end()

    def _refuse(self, reason: Reason, why: str) -> None:
        logger.info("Refused %s: %s", self.conn.peer, why)
        self.conn.send(encode(Connack(False, reason)))
        self._end()

    def _end(self) -> None:
        self.closed = True
        session = self.session
        if session is not None:
            self.publish_will()
            router = self.broker.router
            if self.broker.connected.get(session.client_id) is self:
                del self.broker.connected[session.client_id]
            if router.sessions.get(session.client_id) is session:
                if session.expiry == 0:
                    router.remove(session.client_id)
                else:
                    session.detach(self.clock())
                    router.changes += 1
        self.conn.close()

    def publish_will(self) -> None:
        """Send the will, once, if the ACL lets this client write its topic."""
        will, session = self.will, self.session
        self.will = None
        if will is None or session is None:
            return
        router = self.broker.router
        if not router.may_write(session, will.topic):
            logger.info("Will of %s to %s denied by the ACL", session.client_id, will.topic)
            return
        props: Properties = {
            k: v for k, v in will.properties.items() if k != Prop.WILL_DELAY_INTERVAL
        }
        message = Message.make(
            will.topic, will.payload, will.qos, will.retain, encode_properties(props)
        )
        if will.retain:
            router.retain(message)
        router.route(message, session.client_id)
