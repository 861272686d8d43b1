"""The MQTT layer against a real Mosquitto running the project's broker configuration, and
against the embedded broker that stands in for it (see ``conftest.py``)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devservers import LocalMosquitto
from devservers.embedded.broker.instance import EmbeddedBroker
from marsy.mqtt import Delivery, MqttBus, NotConnected, Pending, PublishRejected, PublishTimeout
from marsy.protocol import (
    Channel,
    CommandAction,
    Device,
    DeviceCommand,
    DevicePresence,
    DeviceTelemetry,
    FlightPhase,
    PresenceState,
    decode_as,
    decode_message,
)
from tests.waiting import wait_for

pytestmark = pytest.mark.integration

CONSUMER = Path(__file__).with_name("durable_consumer.py")

AnyBroker = LocalMosquitto | EmbeddedBroker


def telemetry(seq: int) -> DeviceTelemetry:
    return DeviceTelemetry(
        mission_id="m1",
        source="rocket",
        seq=seq,
        ts=1_800_000_000 + seq / 10,
        device=Device.ROCKET,
        phase=FlightPhase.ASCENT,
        values={"altitude": float(seq)},
    )


def drain(bus: MqttBus, seconds: float) -> list[bytes]:
    got = []
    deadline = time.monotonic() + seconds
    while (delivery := bus.receive(max(0.0, deadline - time.monotonic()))) is not None:
        got.append(delivery.payload)
        bus.ack(delivery)
    return got


def test_round_trip_and_retained_presence(
    broker: AnyBroker, bus_factory: Callable[..., MqttBus]
) -> None:
    consumer = bus_factory(broker, "telemetry")
    consumer.subscribe(broker.settings_for("telemetry").topics.channel_filter(Channel.TELEMETRY))
    consumer.start()
    rocket = bus_factory(broker, "rocket", presence="rocket")
    rocket.start()
    rocket.publish_message(telemetry(1)).wait()
    delivery = wait_for(lambda: consumer.receive(0.5), 5, "the telemetry")
    assert decode_message(delivery.payload) == telemetry(1)
    consumer.ack(delivery)

    watcher = bus_factory(broker, "observer")
    watcher.subscribe(rocket.topics.presence("rocket"))
    watcher.start()
    first = wait_for(lambda: watcher.receive(0.5), 5, "the retained online status")
    assert first.retain
    assert decode_as(DevicePresence, first.payload).state is PresenceState.ONLINE
    watcher.ack(first)
    rocket.stop()
    offline = wait_for(lambda: watcher.receive(0.5), 5, "the offline status")
    assert decode_as(DevicePresence, offline.payload).state is PresenceState.OFFLINE


def test_anonymous_and_wrong_password_are_refused(
    broker: AnyBroker, bus_factory: Callable[..., MqttBus]
) -> None:
    anonymous = MqttBus(broker.settings_for("rocket", username=None, password=None))
    try:
        with pytest.raises(NotConnected):
            anonymous.start(wait=1.5)
    finally:
        anonymous.stop(timeout=0.5)
    impostor = MqttBus(broker.settings_for("rocket", password="guess"))
    try:
        with pytest.raises(NotConnected):
            impostor.start(wait=1.5)
    finally:
        impostor.stop(timeout=0.5)


def test_a_device_cannot_publish_as_another(
    broker: AnyBroker, bus_factory: Callable[..., MqttBus]
) -> None:
    observer = bus_factory(broker, "observer")
    topics = broker.settings_for("observer").topics
    observer.subscribe(topics.everything)
    observer.start()
    rocket = bus_factory(broker, "rocket")
    rocket.start()
    with pytest.raises(PublishRejected, match="Not authorized"):
        rocket.publish(topics.topic(Channel.VITALS, "suit"), b"{}").wait()
    with pytest.raises(PublishRejected):
        rocket.publish(topics.command(Device.SUIT), b"eject!").wait()
    rocket.publish_message(telemetry(5)).wait()  # its own topic works
    seen = [decode_message(p) for p in drain(observer, 1.0)]
    assert [m for m in seen if not isinstance(m, DevicePresence)] == [telemetry(5)]


def test_a_device_reads_only_its_own_commands(
    broker: AnyBroker, bus_factory: Callable[..., MqttBus]
) -> None:
    topics = broker.settings_for("rocket").topics
    rocket = bus_factory(broker, "rocket")
    rocket.subscribe(topics.command(Device.SUIT))
    rocket.subscribe(topics.command(Device.ROCKET))
    rocket.start()
    command = bus_factory(broker, "command")
    command.start()
    for device in (Device.SUIT, Device.ROCKET):
        order = DeviceCommand(
            mission_id="m1",
            source="command",
            seq=1,
            ts=1.0,
            command_id="cmd-00001",
            device=device,
            action=CommandAction.STATUS,
        )
        command.publish_message(order).wait()
    received = [decode_as(DeviceCommand, p) for p in drain(rocket, 1.0)]
    assert [c.device for c in received] == [Device.ROCKET]


def test_publishes_beyond_the_window_fail_loudly_while_the_broker_is_down(
    private_broker: AnyBroker,
) -> None:
    bus = MqttBus(private_broker.settings_for("rocket", max_inflight=5, publish_timeout=0.5))
    bus.start()
    try:
        private_broker.stop()
        wait_for(lambda: not bus.connected.is_set(), 5, "the disconnect")
        pending = [bus.publish_message(telemetry(i)) for i in range(5)]
        with pytest.raises(PublishTimeout):
            bus.publish_message(telemetry(5))
        with pytest.raises(PublishTimeout):
            pending[0].wait(timeout=0.3)
        private_broker.start()
        for p in pending:  # paho kept them and sends them on reconnect
            p.wait(timeout=15)
    finally:
        bus.stop(timeout=1)


def test_acks_in_one_write_are_taken_and_only_the_unacked_come_back(
    broker: AnyBroker, bus_factory: Callable[..., MqttBus]
) -> None:
    login = broker.add_login("telemetry")
    settings = broker.settings_for(login)
    consumer = MqttBus(settings, presence="telemetry")
    consumer.subscribe(settings.topics.channel_filter(Channel.TELEMETRY))
    consumer.start()
    rocket = bus_factory(broker, "rocket")
    rocket.start()
    for pending in [rocket.publish_message(telemetry(seq)) for seq in range(500)]:
        pending.wait()
    taken: list[Delivery] = []
    while len(taken) < 500:
        run = consumer.receive_many(1000, timeout=5)
        assert run, f"only {len(taken)} of 500 delivered"
        taken += run
    consumer.ack_many(taken[:300])
    consumer.stop()  # its offline status is PUBACKed after the broker read the acks before it
    again = MqttBus(settings)
    again.subscribe(settings.topics.channel_filter(Channel.TELEMETRY))
    again.start()
    try:
        back = [decode_as(DeviceTelemetry, p).seq for p in drain(again, 2.0)]
    finally:
        again.stop(timeout=1)
    assert [decode_as(DeviceTelemetry, d.payload).seq for d in taken] == list(range(500))
    assert sorted(back) == list(range(300, 500))


# --- no loss: 10,000 QoS-1 messages across a consumer crash and a broker restart -----------

N = 10_000


@pytest.fixture
def publisher(private_broker: AnyBroker) -> Iterator[MqttBus]:
    bus = MqttBus(private_broker.settings_for("rocket", publish_timeout=30))
    bus.start()
    yield bus
    bus.stop(timeout=1)


def publish_all(bus: MqttBus, sent: list[Pending], pace: float) -> threading.Thread:
    def run() -> None:
        for seq in range(N):
            sent.append(bus.publish_message(telemetry(seq)))
            if seq % 100 == 0:
                time.sleep(pace)  # spread the burst so the interruption lands mid-stream

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def read_seqs(path: Path) -> list[int]:
    return [int(line) for line in path.read_text().split()] if path.exists() else []


def start_consumer(broker: AnyBroker, out: Path) -> subprocess.Popen[str]:
    fields = broker.settings_for("telemetry").model_dump(mode="json")
    fields["password"] = broker.passwords["telemetry"]
    settings = json.dumps(fields)
    topic = broker.settings_for("telemetry").topics.topic(Channel.TELEMETRY, "rocket")
    proc = subprocess.Popen(
        [sys.executable, str(CONSUMER), settings, topic, str(out)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready", "the consumer did not connect"
    return proc


def kill(proc: subprocess.Popen[str]) -> None:
    proc.kill()
    proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


def test_consumer_killed_midway_loses_nothing(
    private_broker: AnyBroker, publisher: MqttBus, tmp_path: Path
) -> None:
    out = tmp_path / "seqs.txt"
    consumer = start_consumer(private_broker, out)
    try:
        sent: list[Pending] = []
        producer = publish_all(publisher, sent, pace=0.01)
        wait_for(lambda: len(read_seqs(out)) >= N // 3, 60, "a third of the messages")
        kill(consumer)
        killed_at = len(read_seqs(out))
        watcher = MqttBus(private_broker.settings_for("observer"))
        watcher.subscribe(watcher.topics.presence("telemetry"))
        watcher.start()
        will = wait_for(lambda: watcher.receive(0.5), 5, "the retained last will")
        watcher.stop(timeout=1)
        assert decode_as(DevicePresence, will.payload).state is PresenceState.OFFLINE
        producer.join(120)
        for p in sent:
            p.wait(timeout=30)
        consumer = start_consumer(private_broker, out)
        wait_for(lambda: set(read_seqs(out)) >= set(range(N)), 90, "every sequence number")
    finally:
        kill(consumer)
    seqs = read_seqs(out)
    assert killed_at < N, "the kill landed after the end; the test proved nothing"
    assert set(seqs) == set(range(N))
    print(f"\nconsumer SIGKILLed at {killed_at}/{N}; duplicates after restart: {len(seqs) - N}")


def test_broker_restarted_midway_loses_nothing(
    private_broker: AnyBroker, publisher: MqttBus
) -> None:
    consumer = MqttBus(private_broker.settings_for("telemetry"))
    consumer.subscribe(consumer.topics.channel_filter(Channel.TELEMETRY))
    consumer.start()
    seqs: list[int] = []
    try:
        sent: list[Pending] = []
        producer = publish_all(publisher, sent, pace=0.01)

        def take(limit: float) -> None:
            delivery = consumer.receive(limit)
            if delivery is not None:
                seqs.append(decode_as(DeviceTelemetry, delivery.payload).seq)
                consumer.ack(delivery)

        while len(seqs) < N // 3:
            take(0.5)
        private_broker.stop()
        restarted_at = len(seqs)
        time.sleep(1.0)  # both clients retry against a closed port meanwhile
        private_broker.start()
        deadline = time.monotonic() + 120
        while set(seqs) < set(range(N)) and time.monotonic() < deadline:
            take(0.5)
        producer.join(60)
        for p in sent:
            p.wait(timeout=30)
    finally:
        consumer.stop(timeout=1)
    assert restarted_at < N
    assert publisher.stats.connects >= 2 and consumer.stats.connects >= 2
    assert set(seqs) == set(range(N))
    print(f"\nbroker restarted at {restarted_at}/{N}; duplicates: {len(seqs) - N}")


def test_qos0_publishes_do_not_disturb_the_window(broker: AnyBroker) -> None:
    login = broker.add_login("rocket")
    rocket = MqttBus(broker.settings_for(login, max_inflight=3, publish_timeout=5))
    try:
        rocket.start()
        for seq in range(20):
            rocket.publish_message(telemetry(seq), qos=0)
        pending = [rocket.publish_message(telemetry(100 + i)) for i in range(10)]
        for p in pending:
            p.wait(5)  # the window still works: each QoS-1 publish got its PUBACK
        assert rocket.connected.is_set()
    finally:
        rocket.stop(timeout=1.0)
