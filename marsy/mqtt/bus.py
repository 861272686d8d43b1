"""The MQTT bus: one paho-mqtt 2.x client per process with the session hygiene MarsY needs.

- MQTT 5, ``clean_start=False`` with a session expiry: the broker keeps our subscriptions and
  queued QoS-1 messages while we are away, and across its own restarts. The client id is the
  login (``settings.username``): the broker enforces it (``use_username_as_clientid``), so a
  process cannot pick one, and a second connection needs a login of its own (marsy.logins).
- Manual acknowledgement: a delivery is PUBACKed only when the consumer calls :meth:`ack`
  (or :meth:`ack_many` for a run, in one write), after it has durably handled it; anything not
  acked is redelivered after a reconnect. A consumer that keeps up takes deliveries in runs
  (:meth:`receive_many`); the socket is read by :class:`~marsy.mqtt.client.BusClient`.
- Every publish is QoS 1 unless asked otherwise, its return code is checked, and at most
  ``max_inflight`` publishes wait for PUBACK at once: past that, :meth:`publish` blocks instead of
  letting paho refuse with ``MQTT_ERR_QUEUE_SIZE``. A broker refusal (MQTT 5 reason code, e.g.
  "not authorised" from the ACL) surfaces as :class:`PublishRejected`.
- Presence: last will = retained "offline", retained "online" on every connect.
- Re-subscribe on every connect, and count as connected only once the broker has acknowledged
  the subscriptions; paho's loop thread reconnects with exponential backoff.
- TCP_NODELAY on the socket: without it a QoS-1 round trip waits on Nagle's algorithm.

The session lives here (connection, subscriptions, presence, paho's callbacks); publishing with
flow control is :mod:`marsy.mqtt.publishing`, consuming with manual acks
:mod:`marsy.mqtt.consuming`.
"""

from __future__ import annotations

import logging
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from pydantic import BaseModel

from marsy.clock import WALL_CLOCK, MissionClock
from marsy.mqtt.client import BusClient
from marsy.mqtt.consuming import Delivery, Inbox
from marsy.mqtt.errors import NotConnected, PublishRejected, PublishTimeout
from marsy.mqtt.publishing import Outbox, Pending
from marsy.mqtt.stats import BusStats
from marsy.protocol import DevicePresence, PresenceState, encode_message
from marsy.settings import MqttSettings

__all__ = ["BusStats", "Delivery", "MqttBus", "Pending"]

logger = logging.getLogger(__name__)


@dataclass
class _Subscription:
    topic_filter: str
    qos: int = 1


class MqttBus:
    """One MQTT connection of one process, reused for its whole life."""

    def __init__(
        self,
        settings: MqttSettings,
        *,
        presence: str | None = None,
        persistent: bool = True,
        clock: MissionClock = WALL_CLOCK,
    ) -> None:
        """``presence`` is the name whose online/offline state this connection stands for: a
        role (``payload``), never a tagged login (``payload.recorder``)."""
        self.settings = settings
        self.topics = settings.topics
        self.presence = presence
        self.persistent = persistent
        self.clock = clock
        self.stats = BusStats()
        self.connected = threading.Event()
        self._inbox = Inbox(self.stats)
        self._outbox = Outbox(settings, self.stats)
        self.deliveries = self._inbox.deliveries
        """Deliveries not yet taken by :meth:`receive` (its size tells a consumer's lag)."""
        self._subscriptions: dict[str, _Subscription] = {}
        self._forgotten: set[str] = set()
        self._lock = threading.Lock()
        self._presence_seq = 0
        self._subacks_due: set[int] = set()
        self._stopping = False
        self._client = self._make_client()

    @property
    def client_id(self) -> str:
        """The login, which the broker makes the client id whatever a client asks for."""
        return self.settings.username or ""

    # --- set-up -----------------------------------------------------------------------------

    def _make_client(self) -> paho.Client:
        client = BusClient(
            CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            protocol=MQTTProtocolVersion.MQTTv5,
            reconnect_on_failure=True,
            on_deliveries=self._inbox.deliver_many,
        )
        s = self.settings
        if s.username is not None:
            password = s.password.get_secret_value() if s.password else None
            client.username_pw_set(s.username, password)
        if s.tls is not None:
            client.tls_set(
                ca_certs=str(s.tls.ca_file),
                certfile=str(s.tls.cert_file) if s.tls.cert_file else None,
                keyfile=str(s.tls.key_file) if s.tls.key_file else None,
                tls_version=ssl.PROTOCOL_TLS_CLIENT,
            )
        client.reconnect_delay_set(s.reconnect_min, s.reconnect_max)  # type: ignore[arg-type]
        client.max_inflight_messages_set(s.max_inflight)
        client.manual_ack_set(True)
        client.on_pre_connect = self._on_pre_connect
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_publish = self._on_publish
        client.on_subscribe = self._on_subscribe
        client.on_socket_open = self._on_socket_open
        return client

    def subscribe(self, topic_filter: str, qos: int = 1) -> None:
        """Subscribe now if connected, and again on every (re)connect."""
        with self._lock:
            self._subscriptions[topic_filter] = _Subscription(topic_filter, qos)
            self._forgotten.discard(topic_filter)
        if self.connected.is_set():
            self._client.subscribe(topic_filter, qos)

    def forget(self, topic_filter: str) -> None:
        """Unsubscribe from ``topic_filter`` now if connected and on every (re)connect, before
        subscribing: a persistent session may still hold it from an earlier run (a shared
        subscription of a worker that now runs alone, or the reverse). Messages the broker has
        already queued for it are still delivered."""
        with self._lock:
            self._subscriptions.pop(topic_filter, None)
            self._forgotten.add(topic_filter)
        if self.connected.is_set():
            self._client.unsubscribe(topic_filter)

    def start(self, wait: float | None = 10.0) -> None:
        """Connect in the background; with ``wait``, raise :class:`NotConnected` after it."""
        s = self.settings
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = s.session_expiry if self.persistent else 0
        properties.ReceiveMaximum = s.receive_maximum
        self._client.connect_async(
            s.host,
            s.port,
            keepalive=s.keepalive,
            clean_start=not self.persistent,
            properties=properties,
        )
        self._client.loop_start()
        if wait is not None:
            self.wait_connected(wait)

    def wait_connected(self, timeout: float) -> None:
        if not self.connected.wait(timeout):
            raise NotConnected(
                f"{self.client_id}: no connection to {self.settings.host}:{self.settings.port} "
                f"within {timeout} s"
            )

    def stop(self, timeout: float = 5.0, *, end_session: bool = False) -> None:
        """Say "offline" (retained), disconnect cleanly and stop the network thread.

        The offline status's PUBACK also tells that the broker has read every ack sent before
        it: a broker taking a session over (the same login connecting again at once) may drop
        acks it has not read yet, which would only bring those messages back, as duplicates.

        ``end_session``: the broker forgets this login's session (its subscriptions and
        anything queued in it) instead of keeping it for the next connection."""
        self._stopping = True
        if self.presence is not None and self.connected.is_set():
            try:
                self.publish_message(self._presence(PresenceState.OFFLINE)).wait(timeout)
            except (PublishTimeout, PublishRejected) as exc:
                logger.warning("%s: offline status not confirmed: %s", self.client_id, exc)
        properties = None
        if end_session:
            properties = Properties(PacketTypes.DISCONNECT)  # type: ignore[no-untyped-call]
            properties.SessionExpiryInterval = 0
        self._client.disconnect(properties=properties)
        self._client.loop_stop()
        self.connected.clear()

    def __enter__(self) -> MqttBus:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    # --- publishing -------------------------------------------------------------------------

    def publish(self, topic: str, payload: bytes, *, qos: int = 1, retain: bool = False) -> Pending:
        """Hand a message to the broker; blocks while ``max_inflight`` await their PUBACK."""
        return self._outbox.publish(self._client, topic, payload, qos=qos, retain=retain)

    def publish_message(self, message: BaseModel, *, qos: int = 1) -> Pending:
        """Publish a contract message on its topic, retained where the channel says so."""
        return self.publish(
            self.topics.for_message(message),
            encode_message(message),
            qos=qos,
            retain=self.topics.is_retained(message),
        )

    # --- receiving --------------------------------------------------------------------------

    def receive(self, timeout: float | None = None) -> Delivery | None:
        """Next delivery, or ``None`` after ``timeout`` seconds."""
        return self._inbox.receive(timeout)

    def receive_many(self, limit: int, timeout: float | None = None) -> list[Delivery]:
        """Every delivery waiting, at most ``limit``, in arrival order; ``[]`` after
        ``timeout`` seconds without one. A consumer that keeps up takes them in runs."""
        return self._inbox.receive_many(limit, timeout)

    def ack(self, delivery: Delivery) -> None:
        """Acknowledge a handled QoS-1 delivery; the broker then forgets it."""
        self._inbox.ack(self._client, delivery)

    def ack_many(self, deliveries: list[Delivery]) -> None:
        """Acknowledge handled deliveries in one write (one TCP segment, not one each)."""
        self._inbox.ack_many(self._client, deliveries)

    # --- paho callbacks (network thread) ----------------------------------------------------

    def _presence(self, state: PresenceState) -> DevicePresence:
        # online = 2T, offline = 2T+1 with T the connect time in microseconds: the offline of a
        # connection always sorts after its online, and both after any earlier connection.
        seq = self._presence_seq + (1 if state is PresenceState.OFFLINE else 0)
        return DevicePresence(
            source=self.presence or self.client_id, seq=seq, ts=self.clock.now(), state=state
        )

    def _on_pre_connect(self, client: paho.Client, userdata: Any) -> None:
        self._presence_seq = 2 * time.time_ns() // 1000
        if self.presence is not None:
            will = self._presence(PresenceState.OFFLINE)
            client.will_set(
                self.topics.presence(self.presence), encode_message(will), qos=1, retain=True
            )

    def _on_socket_open(self, client: paho.Client, userdata: Any, sock: Any) -> None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except (OSError, AttributeError):
            logger.debug("TCP_NODELAY not available on this socket")

    def _on_connect(
        self,
        client: paho.Client,
        userdata: Any,
        flags: paho.ConnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason.is_failure:
            logger.error("%s: broker refused the connection: %s", self.client_id, reason)
            return
        with self._lock:
            self._inbox.generation += 1
            subscriptions = list(self._subscriptions.values())
            forgotten = sorted(self._forgotten)
        self.stats.connects += 1
        logger.info("%s connected (session present: %s)", self.client_id, flags.session_present)
        if forgotten and flags.session_present:
            client.unsubscribe(forgotten)
        due = set()
        for sub in subscriptions:
            _, mid = client.subscribe(sub.topic_filter, sub.qos)
            if mid is not None:
                due.add(mid)
        with self._lock:
            self._subacks_due = due
        if self.presence is not None:
            online = self._presence(PresenceState.ONLINE)
            info = client.publish(
                self.topics.presence(self.presence), encode_message(online), qos=1, retain=True
            )
            self._outbox.outside_window(info.mid)
        if not due:
            self.connected.set()

    def _on_subscribe(
        self,
        client: paho.Client,
        userdata: Any,
        mid: int,
        reasons: list[ReasonCode],
        properties: Properties | None,
    ) -> None:
        # "Connected" waits for the SUBACKs: a message published right after start() returns
        # would otherwise reach the broker before our subscription and pass us by.
        for reason in reasons:
            if reason.is_failure:
                self.stats.refused_subscriptions += 1
                logger.error("%s: broker refused a subscription: %s", self.client_id, reason)
        with self._lock:
            self._subacks_due.discard(mid)
            done = not self._subacks_due
        if done and client.is_connected():
            self.connected.set()

    def _on_disconnect(
        self,
        client: paho.Client,
        userdata: Any,
        flags: paho.DisconnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        self.connected.clear()
        self.stats.disconnects += 1
        if not self._stopping:
            logger.warning("%s disconnected: %s; reconnecting", self.client_id, reason)

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        self._inbox.on_message(message)

    def _on_publish(
        self,
        client: paho.Client,
        userdata: Any,
        mid: int,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        self._outbox.on_publish(client, mid, reason)
