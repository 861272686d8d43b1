"""The bus's bookkeeping without a broker: the publish window gives a place back whatever paho
answers, and an ack never crosses to a later connection. (The same paths against real brokers
are ``test_bus.py``.)"""

from __future__ import annotations

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.reasoncodes import ReasonCode

from marsy.mqtt import BusStats, Delivery, PublishRejected, PublishTimeout
from marsy.mqtt.consuming import Inbox
from marsy.mqtt.publishing import Outbox
from marsy.settings import MqttSettings


class ScriptedClient:
    """Answers publishes with the return code it is given and remembers acks: just the part of
    paho's client the window and the inbox call."""

    def __init__(self, rc: MQTTErrorCode = MQTTErrorCode.MQTT_ERR_SUCCESS) -> None:
        self.rc = rc
        self.next_mid = 0
        self.acked: list[int] = []
        self._out_messages: dict[int, paho.MQTTMessage] = {}

    def publish(self, topic: str, payload: bytes, qos: int, retain: bool) -> paho.MQTTMessageInfo:
        self.next_mid += 1
        info = paho.MQTTMessageInfo(self.next_mid)
        info.rc = self.rc
        if qos:
            message = paho.MQTTMessage(self.next_mid, topic.encode())
            message.info = info
            self._out_messages[self.next_mid] = message
        return info

    def puback(self, mid: int, outbox: Outbox, reason: str = "Success") -> None:
        info = self._out_messages[mid].info
        outbox.on_publish(self, mid, ReasonCode(PacketTypes.PUBACK, reason))  # type: ignore[arg-type]
        info._set_as_published()
        del self._out_messages[mid]

    def ack(self, mid: int, qos: int) -> None:
        self.acked.append(mid)


def outbox(max_inflight: int) -> Outbox:
    settings = MqttSettings(max_inflight=max_inflight, publish_timeout=0.2)
    return Outbox(settings, BusStats())


def test_the_window_blocks_past_max_inflight_until_a_puback() -> None:
    out, client = outbox(2), ScriptedClient()
    first = out.publish(client, "t", b"1", qos=1, retain=False)  # type: ignore[arg-type]
    out.publish(client, "t", b"2", qos=1, retain=False)  # type: ignore[arg-type]
    with pytest.raises(PublishTimeout, match="2 publishes unacknowledged"):
        out.publish(client, "t", b"3", qos=1, retain=False)  # type: ignore[arg-type]
    client.puback(first.mid, out)
    first.wait(0.1)
    out.publish(client, "t", b"3", qos=1, retain=False)  # type: ignore[arg-type]


def test_a_publish_paho_refuses_gives_its_place_back() -> None:
    out, client = outbox(1), ScriptedClient(MQTTErrorCode.MQTT_ERR_QUEUE_SIZE)
    for _ in range(3):  # never blocks: each refusal frees the only place
        with pytest.raises(PublishRejected, match="paho refused t"):
            out.publish(client, "t", b"x", qos=1, retain=False)  # type: ignore[arg-type]
    assert out.stats.rejected == 3 and out.stats.published == 0


def test_a_broker_refusal_reaches_the_waiter_and_frees_the_place() -> None:
    out, client = outbox(1), ScriptedClient()
    pending = out.publish(client, "t", b"x", qos=1, retain=False)  # type: ignore[arg-type]
    client.puback(pending.mid, out, "Not authorized")
    with pytest.raises(PublishRejected, match="broker refused t: Not authorized"):
        pending.wait(0.1)
    out.publish(client, "t", b"y", qos=1, retain=False)  # type: ignore[arg-type]


def test_the_online_status_sent_outside_the_window_frees_no_place() -> None:
    out, client = outbox(1), ScriptedClient()
    online = client.publish("presence", b"online", qos=1, retain=True)
    out.outside_window(online.mid)
    out.publish(client, "t", b"1", qos=1, retain=False)  # type: ignore[arg-type]
    client.puback(online.mid, out)
    with pytest.raises(PublishTimeout):  # the window is still full
        out.publish(client, "t", b"2", qos=1, retain=False)  # type: ignore[arg-type]


def test_qos0_takes_no_place_and_counts_as_done() -> None:
    out, client = outbox(1), ScriptedClient()
    for _ in range(5):
        assert out.publish(client, "t", b"x", qos=0, retain=False).is_done()  # type: ignore[arg-type]
    out.publish(client, "t", b"1", qos=1, retain=False)  # type: ignore[arg-type]


def delivery(mid: int, generation: int, qos: int = 1) -> Delivery:
    return Delivery("t", b"x", qos, False, False, mid, generation)


def test_an_ack_from_an_earlier_connection_is_dropped_and_counted() -> None:
    inbox, client = Inbox(BusStats()), ScriptedClient()
    inbox.generation = 2
    inbox.ack(client, delivery(7, generation=1))  # type: ignore[arg-type]
    inbox.ack(client, delivery(8, generation=2))  # type: ignore[arg-type]
    inbox.ack(client, delivery(9, generation=2, qos=0))  # type: ignore[arg-type]
    assert client.acked == [8]
    assert (inbox.stats.acked, inbox.stats.stale_acks) == (1, 1)


def test_a_delivery_carries_the_connection_it_arrived_on() -> None:
    inbox = Inbox(BusStats())
    inbox.generation = 3
    message = paho.MQTTMessage(5, b"marsy/telemetry/rocket")
    message.payload, message.qos = b"{}", 1
    inbox.on_message(message)
    got = inbox.receive(0.1)
    assert got == Delivery("marsy/telemetry/rocket", b"{}", 1, False, False, 5, 3)
    assert inbox.receive(0.01) is None and inbox.stats.received == 1
