"""The MQTT bus: one paho-mqtt 2.x client per process with the session hygiene MarsY needs.

- MQTT 5, ``clean_start=False`` with a session expiry: the broker keeps our subscriptions and
  queued QoS-1 messages while we are away, and across its own restarts. The client id is the
  login (``settings.username``): the broker enforces it (``use_username_as_clientid``), so a
  process cannot pick one, and a second connection needs a login of its own (marsy.logins).
- Manual acknowledgement: a delivery is PUBACKed only when the consumer calls :meth:`ack`,
  after it has durably handled it; anything not acked is redelivered after a reconnect.
- Every publish is QoS 1 unless asked otherwise, its return code is checked, and at most
  ``max_inflight`` publishes wait for PUBACK at once: past that, :meth:`publish` blocks instead of
  letting paho refuse with ``MQTT_ERR_QUEUE_SIZE``. A broker refusal (MQTT 5 reason code, e.g.
  "not authorised" from the ACL) surfaces as :class:`PublishRejected`.
- Presence: last will = retained "offline", retained "online" on every connect.
- Re-subscribe on every connect, and count as connected only once the broker has acknowledged
  the subscriptions; paho's loop thread reconnects with exponential backoff.
- TCP_NODELAY on the socket: without it a QoS-1 round trip waits on Nagle's algorithm.
"""

from __future__ import annotations

import logging
import queue
import socket
import ssl
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from pydantic import BaseModel

from marsy.clock import WALL_CLOCK, MissionClock
from marsy.mqtt.errors import NotConnected, PublishRejected, PublishTimeout
from marsy.protocol import DevicePresence, PresenceState, encode_message
from marsy.settings import MqttSettings

logger = logging.getLogger(__name__)


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


@dataclass
class BusStats:
    connects: int = 0
    disconnects: int = 0
    published: int = 0
    rejected: int = 0
    received: int = 0
    acked: int = 0
    stale_acks: int = 0


class Pending:
    """A publish on its way: :meth:`wait` blocks until the broker acknowledged it."""

    def __init__(self, bus: MqttBus, info: paho.MQTTMessageInfo, topic: str) -> None:
        self._bus = bus
        self._info = info
        self.topic = topic

    @property
    def mid(self) -> int:
        return self._info.mid

    def is_done(self) -> bool:
        # paho's is_published() raises for a message queued while disconnected (rc NO_CONN),
        # although paho does send it after the reconnect; read the flag PUBACK sets instead.
        return bool(self._info._published)

    def wait(self, timeout: float | None = None) -> None:
        """Raise :class:`PublishTimeout` or :class:`PublishRejected` unless acknowledged."""
        limit = self._bus.settings.publish_timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        # paho's wait_for_publish raises at once while disconnected; we wait for the reconnect.
        while not self.is_done():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PublishTimeout(f"no PUBACK for mid {self.mid} on {self.topic} in {limit} s")
            with self._info._condition:  # the condition paho notifies on PUBACK
                if not self.is_done():
                    self._info._condition.wait(min(remaining, 0.5))
        reason = self._bus._pop_rejection(self._info)
        if reason is not None:
            raise PublishRejected(f"broker refused {self.topic}: {reason}")


@dataclass
class _Subscription:
    topic_filter: str
    qos: int = 1


@dataclass
class _Rejections:
    """PUBACK failure reasons by message info, bounded so unread ones cannot pile up."""

    items: OrderedDict[int, str] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    limit: int = 10_000

    def put(self, key: int, reason: str) -> None:
        with self.lock:
            self.items[key] = reason
            while len(self.items) > self.limit:
                self.items.popitem(last=False)

    def pop(self, key: int) -> str | None:
        with self.lock:
            return self.items.pop(key, None)


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
        self.deliveries: queue.Queue[Delivery] = queue.Queue()
        self._subscriptions: dict[str, _Subscription] = {}
        self._lock = threading.Lock()
        self._generation = 0
        self._presence_seq = 0
        self._window = threading.BoundedSemaphore(settings.max_inflight)
        self._rejections = _Rejections()
        self._unwindowed: set[int] = set()
        self._subacks_due: set[int] = set()
        self._stopping = False
        self._client = self._make_client()

    @property
    def client_id(self) -> str:
        """The login, which the broker makes the client id whatever a client asks for."""
        return self.settings.username or ""

    # --- set-up -----------------------------------------------------------------------------

    def _make_client(self) -> paho.Client:
        client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            protocol=MQTTProtocolVersion.MQTTv5,
            reconnect_on_failure=True,
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
        if self.connected.is_set():
            self._client.subscribe(topic_filter, qos)

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

    def stop(self, timeout: float = 5.0) -> None:
        """Say "offline" (retained), disconnect cleanly and stop the network thread."""
        self._stopping = True
        if self.presence is not None and self.connected.is_set():
            try:
                self.publish_message(self._presence(PresenceState.OFFLINE)).wait(timeout)
            except (PublishTimeout, PublishRejected) as exc:
                logger.warning("%s: offline status not confirmed: %s", self.client_id, exc)
        self._client.disconnect()
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
        if qos and not self._window.acquire(timeout=self.settings.publish_timeout):
            raise PublishTimeout(
                f"{self.settings.max_inflight} publishes unacknowledged for "
                f"{self.settings.publish_timeout} s; is the broker reachable?"
            )
        info = self._client.publish(topic, payload, qos=qos, retain=retain)
        # NO_CONN: paho keeps the QoS-1 message and sends it when the connection is back.
        if info.rc not in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN):
            if qos:
                self._window.release()
            self.stats.rejected += 1
            raise PublishRejected(f"paho refused {topic}: {paho.error_string(info.rc)}")
        if not qos:
            info._set_as_published()
        self.stats.published += 1
        return Pending(self, info, topic)

    def publish_message(self, message: BaseModel, *, qos: int = 1) -> Pending:
        """Publish a contract message on its topic, retained where the channel says so."""
        return self.publish(
            self.topics.for_message(message),
            encode_message(message),
            qos=qos,
            retain=self.topics.is_retained(message),
        )

    def _pop_rejection(self, info: paho.MQTTMessageInfo) -> str | None:
        return self._rejections.pop(id(info))

    # --- receiving --------------------------------------------------------------------------

    def receive(self, timeout: float | None = None) -> Delivery | None:
        """Next delivery, or ``None`` after ``timeout`` seconds."""
        try:
            return self.deliveries.get(timeout=timeout)
        except queue.Empty:
            return None

    def ack(self, delivery: Delivery) -> None:
        """Acknowledge a handled QoS-1 delivery; the broker then forgets it."""
        if delivery.qos == 0:
            return
        if delivery.generation != self._generation:
            # The broker redelivers it on this connection; that copy will be acked instead.
            self.stats.stale_acks += 1
            return
        self._client.ack(delivery.mid, delivery.qos)
        self.stats.acked += 1

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
            self._generation += 1
            subscriptions = list(self._subscriptions.values())
        self.stats.connects += 1
        logger.info("%s connected (session present: %s)", self.client_id, flags.session_present)
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
            # Safe without a lock: PUBACKs are handled on this same network thread, later.
            self._unwindowed.add(info.mid)
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
        self.stats.received += 1
        self.deliveries.put(
            Delivery(
                topic=message.topic,
                payload=bytes(message.payload),
                qos=message.qos,
                retain=bool(message.retain),
                duplicate=bool(message.dup),
                mid=message.mid,
                generation=self._generation,
            )
        )

    def _on_publish(
        self,
        client: paho.Client,
        userdata: Any,
        mid: int,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        # For QoS 1 paho calls us on PUBACK, under its out-message lock, with the message still
        # registered; a QoS-0 message was never registered (nor counted in the window).
        message = client._out_messages.get(mid)
        if message is None:
            return
        if reason.is_failure:
            self._rejections.put(id(message.info), str(reason))
            self.stats.rejected += 1
        if mid in self._unwindowed:
            self._unwindowed.discard(mid)  # the online status sent from _on_connect
        else:
            self._window.release()
