"""One client's session: its subscriptions and the QoS-1 deliveries it has not acknowledged.

A session outlives its connections (MQTT 5 session expiry), so deliveries for a client that
is away wait in ``queue``; those sent and not yet PUBACKed wait in ``inflight`` under their
packet id and are sent again, DUP set and in order, when the client comes back. At most the
client's Receive Maximum are in flight at once; the rest wait their turn, in order. Nothing is
sent that the session's login may not read now (:attr:`Session.may_read`, the router's ACL
check): a delivery denied at send time is dropped and counted in ``denied``.

No I/O here: a connected session writes through a :class:`Link` the server gives it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from devservers.embedded.broker.encoding import publish_frame
from devservers.embedded.broker.packets import EMPTY_PROPERTIES, SubscriptionOptions
from devservers.embedded.broker.properties import encode_string

NEVER_EXPIRES = 0xFFFFFFFF
"""The Session Expiry Interval that means "keep it for ever"."""

MAX_QUEUED = 1_000_000
"""Like Mosquitto's max_queued_messages in marsy.brokerconf: past it a message is dropped."""


class Link(Protocol):
    """Where a connected session's bytes go."""

    def send(self, data: bytes) -> None: ...


@dataclass(frozen=True, slots=True, eq=False)
class Message:
    """A published message, shared by every session it is delivered to."""

    topic: str
    payload: bytes
    qos: int
    retain: bool
    properties: bytes
    topic_field: bytes
    tail: bytes

    @classmethod
    def make(
        cls,
        topic: str,
        payload: bytes,
        qos: int,
        retain: bool = False,
        properties: bytes = EMPTY_PROPERTIES,
    ) -> Message:
        """Encode the parts of its PUBLISH once, however many subscribers it goes to."""
        return cls(
            topic, payload, qos, retain, properties, encode_string(topic), properties + payload
        )


class Delivery(NamedTuple):
    message: Message
    qos: int
    retain: bool
    """The RETAIN flag this subscriber sees: set for retained messages sent on subscribe."""


def _nothing(topic: str) -> bool:
    return False


class Session:
    """State the broker keeps for one client id, connected or not."""

    def __init__(self, client_id: str, username: str, expiry: int = 0) -> None:
        self.client_id = client_id
        self.username = username
        self.expiry = expiry
        """Seconds the session outlives a disconnect; 0 ends it with the connection."""
        self.subscriptions: dict[str, SubscriptionOptions] = {}
        self.queue: deque[Delivery] = deque()
        self.inflight: dict[int, Delivery] = {}
        """Sent, awaiting PUBACK, by packet id; a dict keeps the order they were sent in."""
        self.link: Link | None = None
        self.receive_maximum = 65535
        self.max_packet_size = 0
        """The client's Maximum Packet Size; 0 for none. Larger messages are not sent to it."""
        self.disconnected_at: float | None = None
        self.next_id = 1
        self.dropped = 0
        self.denied = 0
        self.may_read: Callable[[str], bool] = _nothing
        """Whether this login may read a topic now; the router sets it, until then nothing."""

    def __repr__(self) -> str:
        return (
            f"Session({self.client_id!r}, inflight={len(self.inflight)}, queued={len(self.queue)})"
        )

    def deliver(self, delivery: Delivery) -> None:
        """Send now if the client is here and has room, queue otherwise (QoS 1 only)."""
        if delivery.qos == 0:
            if self.link is not None:  # QoS 0 is not queued for the absent, as in Mosquitto
                self._send(delivery, 0, False)
            return
        if self.link is not None and not self.queue and len(self.inflight) < self.receive_maximum:
            self._send_new(delivery)
        elif len(self.queue) < MAX_QUEUED:
            self.queue.append(delivery)
        else:
            self.dropped += 1

    def acknowledge(self, packet_id: int) -> bool:
        """A PUBACK came: forget that delivery and send the next queued ones."""
        if self.inflight.pop(packet_id, None) is None:
            return False
        self._pump()
        return True

    def attach(self, link: Link, receive_maximum: int, max_packet_size: int) -> None:
        """A connection took this session: resend the unacknowledged, then the queue."""
        self.link = link
        self.receive_maximum = receive_maximum
        self.max_packet_size = max_packet_size
        self.disconnected_at = None
        for packet_id, delivery in list(self.inflight.items()):
            if not self._send(delivery, packet_id, True):
                del self.inflight[packet_id]
        self._pump()

    def detach(self, now: float) -> None:
        self.link = None
        self.disconnected_at = now

    def expired(self, now: float) -> bool:
        """Whether a disconnected session has outlived its expiry interval."""
        if self.disconnected_at is None or self.expiry == NEVER_EXPIRES:
            return False
        return now - self.disconnected_at >= self.expiry

    def _pump(self) -> None:
        while self.link is not None and self.queue and len(self.inflight) < self.receive_maximum:
            self._send_new(self.queue.popleft())

    def _send_new(self, delivery: Delivery) -> None:
        packet_id = self._allocate()
        if self._send(delivery, packet_id, False):
            self.inflight[packet_id] = delivery

    def _send(self, delivery: Delivery, packet_id: int, dup: bool) -> bool:
        message = delivery.message
        if not self.may_read(message.topic):
            self.denied += 1
            return False
        data = publish_frame(
            message.topic_field, message.tail, delivery.qos, delivery.retain, dup, packet_id
        )
        if self.max_packet_size and len(data) > self.max_packet_size:
            self.dropped += 1  # MQTT 5: discard what the client said it cannot take
            return False
        assert self.link is not None
        self.link.send(data)
        return True

    def _allocate(self) -> int:
        packet_id = self.next_id
        while packet_id in self.inflight:
            packet_id = packet_id % 65535 + 1
        self.next_id = packet_id % 65535 + 1
        return packet_id
