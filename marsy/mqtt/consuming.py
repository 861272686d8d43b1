"""Consuming with manual acknowledgement: deliveries queue up for the consumer, which acks each
once it has durably handled it; what is never acked the broker redelivers after a reconnect.

Apart from the session (:mod:`marsy.mqtt.bus`) because an ack is only meaningful on the
connection a delivery arrived on, and this is where that rule is kept.

Built for a consumer that keeps up with the broker's speed: a delivery is a plain tuple, the
queue hands over everything waiting in one go (:meth:`Inbox.receive_many`), and a run of acks
leaves as one write of back-to-back PUBACK packets (:meth:`Inbox.ack_many`) instead of one
wake-up of paho's network thread and one TCP segment each.
"""

from __future__ import annotations

import struct
import threading
import time
from collections import deque
from collections.abc import Iterable
from typing import NamedTuple

import paho.mqtt.client as paho

from marsy.mqtt.client import Arrival
from marsy.mqtt.stats import BusStats

_PUBACK = struct.Struct("!BBH")
_PUBACK_TYPE = 0x40
"""MQTT's PUBACK packet type; with remaining length 2 (the mid) it means "success"."""


class Delivery(NamedTuple):
    """A message the broker delivered; hand it back to :meth:`MqttBus.ack` once handled.

    ``generation`` is the connection it arrived on: an ack on a later connection would
    acknowledge a stranger."""

    topic: str
    payload: bytes
    qos: int
    retain: bool
    duplicate: bool
    mid: int
    generation: int


class DeliveryQueue:
    """Deliveries waiting for the consumer, taken one at a time or all at once."""

    def __init__(self) -> None:
        self._items: deque[Delivery] = deque()
        self._ready = threading.Condition(threading.Lock())

    def put(self, delivery: Delivery) -> None:
        with self._ready:
            self._items.append(delivery)
            self._ready.notify()

    def put_many(self, deliveries: list[Delivery]) -> None:
        with self._ready:
            self._items.extend(deliveries)
            self._ready.notify()

    def qsize(self) -> int:
        return len(self._items)

    def get_many(self, limit: int, timeout: float | None) -> list[Delivery]:
        """Up to ``limit`` deliveries in arrival order; waits up to ``timeout`` for the first."""
        items = self._items
        with self._ready:
            if not items:
                deadline = None if timeout is None else time.monotonic() + timeout
                while not items:
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        return []
                    self._ready.wait(remaining)
            count = min(limit, len(items))
            return [items.popleft() for _ in range(count)]


class Inbox:
    """The consuming side of one connection: the deliveries waiting, the connection count."""

    def __init__(self, stats: BusStats) -> None:
        self.stats = stats
        self.deliveries = DeliveryQueue()
        self.generation = 0
        """Connections so far; a delivery carries the one it arrived on."""

    def receive(self, timeout: float | None = None) -> Delivery | None:
        """Next delivery, or ``None`` after ``timeout`` seconds."""
        got = self.deliveries.get_many(1, timeout)
        return got[0] if got else None

    def receive_many(self, limit: int, timeout: float | None = None) -> list[Delivery]:
        """Every delivery waiting (at most ``limit``), or ``[]`` after ``timeout`` seconds."""
        return self.deliveries.get_many(limit, timeout)

    def ack(self, client: paho.Client, delivery: Delivery) -> None:
        """Acknowledge a handled QoS-1 delivery; the broker then forgets it."""
        if delivery.qos == 0:
            return
        if delivery.generation != self.generation:
            # The broker redelivers it on this connection; that copy will be acked instead.
            self.stats.stale_acks += 1
            return
        client.ack(delivery.mid, delivery.qos)
        self.stats.acked += 1

    def ack_many(self, client: paho.Client, deliveries: Iterable[Delivery]) -> None:
        """Acknowledge handled deliveries, in the order given, in one write to the broker."""
        generation = self.generation
        mids = []
        stale = 0
        for delivery in deliveries:
            if delivery.qos != 1:
                continue  # QoS 0 needs no ack; QoS 2 is never subscribed to
            if delivery.generation != generation:
                stale += 1
                continue
            mids.append(delivery.mid)
        self.stats.stale_acks += stale
        if not mids:
            return
        packet = b"".join([_PUBACK.pack(_PUBACK_TYPE, 2, mid) for mid in mids])
        # One queued "packet" holding them all: paho writes it out as it would a single PUBACK.
        client._packet_queue(_PUBACK_TYPE, packet, 0, 0)
        self.stats.acked += len(mids)

    def deliver_many(self, arrivals: list[Arrival]) -> None:
        """PUBLISH packets read off the socket in one run (network thread): queued for the
        consumer, not yet acknowledged."""
        generation = self.generation
        self.stats.received += len(arrivals)
        self.deliveries.put_many([Delivery(*arrival, generation) for arrival in arrivals])

    def on_message(self, message: paho.MQTTMessage) -> None:
        """paho's delivery of a message it decoded itself (QoS 2, MQTT 3.1.1)."""
        self.stats.received += 1
        self.deliveries.put(
            Delivery(
                message.topic,
                bytes(message.payload),
                message.qos,
                bool(message.retain),
                bool(message.dup),
                message.mid,
                self.generation,
            )
        )
