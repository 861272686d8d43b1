"""Consuming with manual acknowledgement: deliveries queue up for the consumer, which acks each
once it has durably handled it; what is never acked the broker redelivers after a reconnect.

Apart from the session (:mod:`marsy.mqtt.bus`) because an ack is only meaningful on the
connection a delivery arrived on, and this is where that rule is kept.
"""

from __future__ import annotations

import queue
from dataclasses import dataclass

import paho.mqtt.client as paho

from marsy.mqtt.stats import BusStats


@dataclass(frozen=True)
class Delivery:
    """A message the broker delivered; hand it back to :meth:`MqttBus.ack` once handled."""

    topic: str
    payload: bytes
    qos: int
    retain: bool
    duplicate: bool
    mid: int
    generation: int
    """Connection it arrived on: an ack on a later connection would acknowledge a stranger."""


class Inbox:
    """The consuming side of one connection: the deliveries waiting, the connection count."""

    def __init__(self, stats: BusStats) -> None:
        self.stats = stats
        self.deliveries: queue.Queue[Delivery] = queue.Queue()
        self.generation = 0
        """Connections so far; a delivery carries the one it arrived on."""

    def receive(self, timeout: float | None = None) -> Delivery | None:
        """Next delivery, or ``None`` after ``timeout`` seconds."""
        try:
            return self.deliveries.get(timeout=timeout)
        except queue.Empty:
            return None

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

    def on_message(self, message: paho.MQTTMessage) -> None:
        """paho's delivery (network thread): queued for the consumer, not yet acknowledged."""
        self.stats.received += 1
        self.deliveries.put(
            Delivery(
                topic=message.topic,
                payload=bytes(message.payload),
                qos=message.qos,
                retain=bool(message.retain),
                duplicate=bool(message.dup),
                mid=message.mid,
                generation=self.generation,
            )
        )
