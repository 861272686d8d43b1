"""The session takeover no login may manage, played against a broker of either kind.

An impostor holding the satellite's password asks for the ingest's client id with
``clean_start=False``: with client ids bound to logins it gets a session of its own, so the
ingest stays connected, keeps every QoS-1 message queued for it, and the impostor reads nothing
its own ACL forbids. Shared by tests/broker (Mosquitto) and tests/devservers/embedded_broker.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from devservers.accounts import BrokerAccounts
from marsy.mqtt import MqttBus
from marsy.protocol import Channel, Device, DeviceTelemetry, FlightPhase, Service, decode_as
from tests.waiting import wait_for

QUEUED = 20


@dataclass
class Impostor:
    """A bare paho client that asks for a client id of its choosing."""

    client: paho.Client
    connected: threading.Event = field(default_factory=threading.Event)
    session_present: bool | None = None
    refused: str | None = None
    received: list[str] = field(default_factory=list)

    @classmethod
    def connect(cls, broker: BrokerAccounts, login: str, client_id: str) -> Impostor:
        client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, protocol=MQTTProtocolVersion.MQTTv5
        )
        impostor = cls(client)
        client.username_pw_set(login, broker.passwords[login])
        client.on_connect = impostor._on_connect
        client.on_message = lambda _c, _u, message: impostor.received.append(message.topic)
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = 3600
        client.connect("127.0.0.1", broker.port, clean_start=False, properties=properties)
        client.loop_start()
        wait_for(impostor.connected.is_set, 5, f"the CONNACK to {login} asking for {client_id}")
        assert impostor.refused is None, impostor.refused
        # Everything under the root: whatever the broker hands over, session or not, shows.
        client.subscribe(f"{broker.topic_root}/#", qos=1)
        return impostor

    def _on_connect(
        self, client: paho.Client, userdata: Any, flags: Any, reason: ReasonCode, props: Any
    ) -> None:
        self.session_present = bool(flags.session_present)
        self.refused = str(reason) if reason.is_failure else None
        self.connected.set()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def sample(seq: int) -> DeviceTelemetry:
    return DeviceTelemetry(
        mission_id="takeover",
        source="rocket",
        seq=seq,
        ts=1_800_000_000 + seq / 10,
        device=Device.ROCKET,
        phase=FlightPhase.ASCENT,
        values={"altitude": float(seq)},
    )


def take_seqs(bus: MqttBus, count: int, timeout: float) -> set[int]:
    seqs: set[int] = set()

    def more() -> bool:
        while (delivery := bus.receive(0.1)) is not None:
            seqs.add(decode_as(DeviceTelemetry, delivery.payload).seq)
            bus.ack(delivery)
        return len(seqs) >= count

    wait_for(more, timeout, f"{count} telemetry messages at the ingest")
    return seqs


def assert_no_takeover(broker: BrokerAccounts) -> None:
    """Play the takeover on a running broker of this test's own."""
    ingest_login, impostor_login = str(Service.TELEMETRY), str(Device.SATELLITE)
    ingest = MqttBus(broker.settings_for(ingest_login))
    ingest.subscribe(ingest.topics.channel_filter(Channel.TELEMETRY))
    ingest.start()
    ingest.stop()  # away, its session kept: the broker queues for it
    rocket = MqttBus(broker.settings_for(str(Device.ROCKET)))
    rocket.start()
    impostors: list[Impostor] = []
    try:
        for seq in range(QUEUED):
            rocket.publish_message(sample(seq)).wait()

        impostors.append(Impostor.connect(broker, impostor_login, client_id=ingest_login))
        assert impostors[0].session_present is False, "the impostor was handed a session"

        ingest = MqttBus(broker.settings_for(ingest_login))
        ingest.subscribe(ingest.topics.channel_filter(Channel.TELEMETRY))
        ingest.start()
        assert take_seqs(ingest, QUEUED, 15) == set(range(QUEUED))

        # Once more while the ingest is connected: it must not be kicked off.
        impostors.append(Impostor.connect(broker, impostor_login, client_id=ingest_login))
        rocket.publish_message(sample(QUEUED)).wait()
        assert take_seqs(ingest, 1, 5) == {QUEUED}
        assert ingest.connected.is_set() and ingest.stats.disconnects == 0
        assert ingest.stats.connects == 1
        topics = rocket.topics
        readable = {topics.command(Device.SATELLITE), topics.mission_status}
        assert {t for i in impostors for t in i.received} <= readable
    finally:
        for impostor in impostors:
            impostor.close()
        rocket.stop(timeout=1)
        ingest.stop(timeout=1)
