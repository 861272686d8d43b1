"""The bus's bookkeeping without a broker: the publish window gives a place back whatever paho
answers, and an ack never crosses to a later connection. (The same paths against real brokers
are ``test_bus.py``.)"""

from __future__ import annotations

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.reasoncodes import ReasonCode

from marsy.mqtt import BusStats, Delivery, PublishRejected, PublishTimeout
from marsy.mqtt.client import CHUNK, Arrival, BusClient
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
    inbox.deliver_many([("marsy/telemetry/rocket", b"{}", 1, False, False, 5)])
    got = inbox.receive(0.1)
    assert got == Delivery("marsy/telemetry/rocket", b"{}", 1, False, False, 5, 3)
    assert inbox.receive(0.01) is None and inbox.stats.received == 1


# --- reading in chunks, acking in runs ------------------------------------------------------


def publish_packet(topic: str, payload: bytes, mid: int, *, expiry: int | None = None) -> bytes:
    """An MQTT 5 QoS-1 PUBLISH as a broker sends it, with a message expiry property or none."""
    props = b"" if expiry is None else b"\x02" + expiry.to_bytes(4, "big")
    body = len(topic).to_bytes(2, "big") + topic.encode() + mid.to_bytes(2, "big")
    body += bytes([len(props)]) + props + payload
    length, remaining = bytearray(), len(body)
    while True:
        byte, remaining = remaining % 128, remaining // 128
        length.append(byte | (0x80 if remaining else 0))
        if not remaining:
            break
    return bytes([0x32]) + bytes(length) + body


class PiecedSocket:
    """A socket whose bytes arrive in the given pieces, then nothing (would block)."""

    def __init__(self, data: bytes, piece: int) -> None:
        self.pieces = [data[i : i + piece] for i in range(0, len(data), piece)]
        self.reads = 0

    def recv(self, size: int) -> bytes:
        if not self.pieces:
            raise BlockingIOError
        self.reads += 1
        piece = self.pieces.pop(0)
        if len(piece) > size:
            self.pieces.insert(0, piece[size:])
        return piece[:size]

    def close(self) -> None:
        self.pieces = []


@pytest.mark.parametrize("piece", [1, 7, 1000, 100_000])
def test_publish_packets_cut_anywhere_arrive_whole_and_in_order(piece: int) -> None:
    sent = [
        (f"marsy/telemetry/r{i % 3}", bytes([i % 251]) * (i * 37 % 600), i + 1, i % 2 == 0)
        for i in range(400)
    ]
    stream = b"".join(
        publish_packet(topic, payload, mid, expiry=60 if odd else None)
        for topic, payload, mid, odd in sent
    )
    runs: list[list[Arrival]] = []
    client = BusClient(
        CallbackAPIVersion.VERSION2, protocol=MQTTProtocolVersion.MQTTv5, on_deliveries=runs.append
    )
    client.manual_ack_set(True)
    sock = PiecedSocket(stream, piece)
    client._sock = sock  # type: ignore[assignment]
    while sock.pieces:
        assert client.loop_read() == MQTTErrorCode.MQTT_ERR_SUCCESS
    got = [arrival for run in runs for arrival in run]
    assert got == [(topic, payload, 1, False, False, mid) for topic, payload, mid, _ in sent]
    if piece >= 1000:  # each piece is read once or twice, not a few bytes at a time
        assert sock.reads <= 2 * -(-len(stream) // min(piece, CHUNK))


def test_acks_leave_in_one_write_and_never_cross_to_a_later_connection() -> None:
    class Recorder(ScriptedClient):
        written: list[bytes] = []

        def _packet_queue(self, command: int, packet: bytes, mid: int, qos: int) -> None:
            self.written.append(packet)

    inbox, client = Inbox(BusStats()), Recorder()
    inbox.generation = 2
    run = [delivery(7, 1), delivery(8, 2), delivery(9, 2, qos=0), delivery(300, 2)]
    inbox.ack_many(client, run)  # type: ignore[arg-type]
    assert client.written == [b"\x40\x02\x00\x08" + b"\x40\x02\x01\x2c"]
    assert (inbox.stats.acked, inbox.stats.stale_acks) == (2, 1)


def test_deliveries_are_taken_in_runs_in_arrival_order() -> None:
    inbox = Inbox(BusStats())
    inbox.deliver_many([("t", bytes([i]), 1, False, False, i) for i in range(1, 6)])
    assert [d.mid for d in inbox.receive_many(3, 0.1)] == [1, 2, 3]
    assert [d.mid for d in inbox.receive_many(10, 0.1)] == [4, 5]
    assert inbox.receive_many(10, 0.05) == []
